/// The schema, as an ordered list of migrations applied once each, in one
/// transaction each, identically on SQLite and PostgreSQL. Times are Unix
/// milliseconds (`BIGINT`); JSON documents are `TEXT`; booleans are 0/1.
enum Migrations {
    static let all: [(version: Int64, statements: [String])] = [
        (1, [
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
        ]),
        (2, [
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
        ]),
    ]

    static func apply(to database: any SQLDatabase, now: Int64) async throws {
        try await database.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        let applied = Set(try await database.query("SELECT version FROM schema_migrations").map { try $0.integer("version") })
        for migration in all where !applied.contains(migration.version) {
            try await database.transaction { executor in
                for statement in migration.statements { try await executor.query(statement) }
                try await executor.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [.integer(migration.version), .integer(now)])
            }
        }
    }
}
