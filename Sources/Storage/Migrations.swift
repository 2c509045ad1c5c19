/// The schema, as an ordered list of migrations applied once each, in one
/// transaction each, identically on SQLite and PostgreSQL. Times are Unix
/// milliseconds (`BIGINT`); JSON documents are `TEXT`; booleans are 0/1.
enum Migrations {
    static let all: [(version: Int64, statements: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE peers (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, endpoint TEXT NOT NULL,
                    fingerprint TEXT NOT NULL, descriptor TEXT NOT NULL, pinned_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE key_alerts (
                    id TEXT PRIMARY KEY, peer_id TEXT NOT NULL, raised_at BIGINT NOT NULL,
                    offered_fingerprint TEXT NOT NULL, detail TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE envelopes (
                    id TEXT PRIMARY KEY, direction TEXT NOT NULL, type TEXT NOT NULL, sender TEXT NOT NULL,
                    created_at BIGINT NOT NULL, stored_at BIGINT NOT NULL, wire TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE messages (
                    id TEXT PRIMARY KEY REFERENCES envelopes(id), direction TEXT NOT NULL, sender TEXT NOT NULL,
                    recipients TEXT NOT NULL, template TEXT NOT NULL, priority TEXT NOT NULL, subject TEXT NOT NULL,
                    body TEXT NOT NULL, language TEXT NOT NULL, fields TEXT NOT NULL, attachments TEXT NOT NULL,
                    case_ref TEXT, in_reply_to TEXT, tlp TEXT NOT NULL, exercise BIGINT NOT NULL,
                    sent_at BIGINT NOT NULL, received_at BIGINT NOT NULL, ack_by BIGINT NOT NULL,
                    acked_at BIGINT, acked_by TEXT, composed_by TEXT
                )
                """,
                "CREATE INDEX messages_by_direction ON messages (direction, received_at)",
                "CREATE INDEX messages_by_thread ON messages (in_reply_to)",
                """
                CREATE TABLE deliveries (
                    message_id TEXT NOT NULL REFERENCES messages(id), recipient TEXT NOT NULL,
                    delivered_at BIGINT, receipt TEXT, acked_at BIGINT, acked_by TEXT,
                    PRIMARY KEY (message_id, recipient)
                )
                """,
                """
                CREATE TABLE outbox (
                    envelope_id TEXT NOT NULL REFERENCES envelopes(id), recipient TEXT NOT NULL,
                    enqueued_at BIGINT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL, last_error TEXT,
                    PRIMARY KEY (envelope_id, recipient)
                )
                """,
                "CREATE INDEX outbox_by_due ON outbox (next_attempt_at)",
                """
                CREATE TABLE users (
                    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, role TEXT NOT NULL,
                    password_hash TEXT NOT NULL, created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
                )
                """,
            ]
        ),
        (
            2,
            [
                """
                CREATE TABLE case_events (
                    id TEXT PRIMARY KEY, case_id TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL,
                    at BIGINT NOT NULL, stored_at BIGINT NOT NULL, document TEXT NOT NULL
                )
                """,
                "CREATE INDEX case_events_by_case ON case_events (case_id, stored_at)",
                """
                CREATE TABLE case_escalations (
                    item_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, owed_by TEXT NOT NULL, due_at BIGINT NOT NULL,
                    raised_at BIGINT NOT NULL, summary TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            3,
            [
                """
                CREATE TABLE record_entries (
                    id TEXT PRIMARY KEY, space TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL,
                    at BIGINT NOT NULL, stored_at BIGINT NOT NULL, document TEXT NOT NULL
                )
                """,
                "CREATE INDEX record_entries_by_space ON record_entries (space, at)",
                """
                CREATE TABLE drills (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, scenario TEXT NOT NULL, created_by TEXT,
                    created_at BIGINT NOT NULL, started_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE drill_injects (
                    drill_id TEXT NOT NULL REFERENCES drills(id), inject INTEGER NOT NULL, recipient TEXT NOT NULL,
                    due_at BIGINT NOT NULL, sent_at BIGINT, message_id TEXT,
                    PRIMARY KEY (drill_id, inject, recipient)
                )
                """,
                "CREATE INDEX drill_injects_by_due ON drill_injects (sent_at, due_at)",
            ]
        ),
        (
            4,
            [
                """
                CREATE TABLE taxii_collections (
                    id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, default_tlp TEXT NOT NULL, created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE taxii_accounts (
                    name TEXT PRIMARY KEY, relation TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE taxii_grants (
                    account TEXT NOT NULL REFERENCES taxii_accounts(name) ON DELETE CASCADE, collection TEXT NOT NULL REFERENCES taxii_collections(id),
                    can_read BIGINT NOT NULL, can_write BIGINT NOT NULL, PRIMARY KEY (account, collection)
                )
                """,
                """
                CREATE TABLE stix_objects (
                    collection TEXT NOT NULL, id TEXT NOT NULL, version TEXT NOT NULL, version_us BIGINT NOT NULL, date_added BIGINT NOT NULL,
                    type TEXT NOT NULL, spec_version TEXT NOT NULL, tlp TEXT NOT NULL, recipients TEXT NOT NULL, from_here BIGINT NOT NULL,
                    latest BIGINT NOT NULL, earliest BIGINT NOT NULL, document TEXT NOT NULL,
                    PRIMARY KEY (collection, id, version)
                )
                """,
                "CREATE UNIQUE INDEX stix_objects_by_date_added ON stix_objects (collection, date_added)",
                "CREATE INDEX stix_objects_by_type ON stix_objects (collection, type, date_added)",
                """
                CREATE TABLE taxii_status (
                    id TEXT PRIMARY KEY, collection TEXT NOT NULL, account TEXT NOT NULL, created_at BIGINT NOT NULL, document TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            5,
            [
                """
                CREATE TABLE taxii_subscriptions (
                    id TEXT PRIMARY KEY, url TEXT NOT NULL, account TEXT NOT NULL, token TEXT NOT NULL, collection TEXT NOT NULL REFERENCES taxii_collections(id),
                    cursor TEXT, fetched BIGINT NOT NULL, last_run BIGINT, last_error TEXT, created_at BIGINT NOT NULL
                )
                """
            ]
        ),
        (
            6,
            [
                // Where a pulled object came from (its subscription), so a sighting of it can go back there.
                "ALTER TABLE stix_objects ADD COLUMN source TEXT",
                "ALTER TABLE taxii_subscriptions ADD COLUMN sightings_cursor BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE taxii_subscriptions ADD COLUMN sightings_returned BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE taxii_subscriptions ADD COLUMN sightings_error TEXT",
                "CREATE INDEX stix_objects_sightings ON stix_objects (collection, from_here, type, date_added)",
            ]
        ),
        (
            7,
            [
                // Who may write new versions of an object and delete it: the principal that first added its id
                // ("here" for this node's own people, "account:NAME" for a TAXII partner, "subscription:ID" for a pull).
                "ALTER TABLE stix_objects ADD COLUMN owner TEXT NOT NULL DEFAULT 'here'",
                "UPDATE stix_objects SET owner = 'subscription:' || source WHERE source IS NOT NULL",
                "UPDATE stix_objects SET owner = 'account:unknown' WHERE source IS NULL AND from_here = 0",
                "CREATE INDEX stix_objects_by_id ON stix_objects (collection, id)",
            ]
        ),
        (
            8,
            [
                // Personal API tokens: the CLI acting as one person, with that person's role (stored as SHA-256).
                """
                CREATE TABLE api_tokens (
                    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL
                )
                """
            ]
        ),
        (
            9,
            [
                // Alerts are coalesced per peer; changes of trust a peer asks for wait for the operator.
                "ALTER TABLE key_alerts ADD COLUMN count BIGINT NOT NULL DEFAULT 1",
                "ALTER TABLE key_alerts ADD COLUMN last_raised_at BIGINT NOT NULL DEFAULT 0",
                "UPDATE key_alerts SET last_raised_at = raised_at",
                """
                CREATE TABLE peer_changes (
                    peer_id TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE, descriptor TEXT NOT NULL, summary TEXT NOT NULL,
                    offered_at BIGINT NOT NULL
                )
                """,
            ]
        ),
        (
            10,
            [
                // What each peer has had this node store, for its storage quota (kept in the transaction that stores).
                "CREATE TABLE peer_usage (peer_id TEXT PRIMARY KEY, bytes BIGINT NOT NULL, envelopes BIGINT NOT NULL)",
                """
                INSERT INTO peer_usage (peer_id, bytes, envelopes)
                SELECT sender, SUM(LENGTH(wire)), COUNT(*) FROM envelopes WHERE direction = 'in' GROUP BY sender
                """,
            ]
        ),
    ]

    static func apply(to database: any SQLDatabase, now: Int64) async throws {
        try await database.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        let applied = Set(try await database.query("SELECT version FROM schema_migrations").map { try $0.integer("version") })
        for migration in all where !applied.contains(migration.version) {
            try await database.transaction { executor in
                for statement in migration.statements { try await executor.query(statement) }
                try await executor.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(migration.version), .integer(now)]
                )
            }
        }
    }
}
