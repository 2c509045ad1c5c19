import SQLKit

/// The tables of one part of a node — its own or one feature's — as the migrations that build them, in order.
///
/// Each migration is applied once, in one transaction, identically on SQLite and PostgreSQL; what was applied
/// is recorded in `schema_steps` by the schema's name and the migration's position. Times are Unix
/// milliseconds (`BIGINT`); JSON documents are `TEXT`; booleans are 0/1.
public struct Schema: Sendable {
    /// Names the schema in `schema_steps`; never renamed once shipped.
    public let name: String
    /// Append only: a shipped migration is never edited; a change is a new migration at the end.
    public let migrations: [[String]]

    public init(_ name: String, migrations: [[String]]) {
        self.name = name
        self.migrations = migrations
    }
}

extension Schema {
    /// The node's own tables: peers and trust, envelopes and the outbox, people and their sessions.
    public static let node = Schema(
        "node",
        migrations: [
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
            ],
            [
                // Personal API tokens: the CLI acting as one person, with that person's role (stored as SHA-256).
                """
                CREATE TABLE api_tokens (
                    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL
                )
                """
            ],
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
            ],
            [
                // What each peer has had this node store, for its storage quota (kept in the transaction that stores).
                "CREATE TABLE peer_usage (peer_id TEXT PRIMARY KEY, bytes BIGINT NOT NULL, envelopes BIGINT NOT NULL)",
                """
                INSERT INTO peer_usage (peer_id, bytes, envelopes)
                SELECT sender, SUM(LENGTH(wire)), COUNT(*) FROM envelopes WHERE direction = 'in' GROUP BY sender
                """,
            ],
        ]
    )

    /// Applies what the database lacks of `schemas`, in order, each migration in its own transaction.
    static func apply(_ schemas: [Schema], to database: any NodeDatabase, now: Int64) async throws {
        try await database.sql.run(
            "CREATE TABLE IF NOT EXISTS schema_steps (schema_name TEXT NOT NULL, step BIGINT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (schema_name, step))"
        )
        try await carryOverNumberedMigrations(in: database, now: now)
        let applied = Set(try await database.sql.rows("SELECT schema_name, step FROM schema_steps", as: Step.self).map(\.name))
        for schema in schemas {
            for (index, statements) in schema.migrations.enumerated() {
                let step = Step(schemaName: schema.name, step: Int64(index + 1), appliedAt: now)
                guard !applied.contains(step.name) else { continue }
                try await database.transaction { db in
                    for statement in statements { try await db.run(SQLQueryString(statement)) }
                    try await db.insert(into: "schema_steps", step)
                }
            }
        }
    }

    /// A row of `schema_steps`: one migration, applied.
    struct Step: Codable, Sendable {
        var schemaName: String
        var step: Int64
        var appliedAt: Int64?

        var name: String { "\(schemaName).\(step)" }
    }

    /// Before features had schemas of their own, the node's tables were one numbered list (`schema_migrations`,
    /// versions 1 to 10). What each number built is now these steps; a database from then is carried over once,
    /// so nothing is built twice.
    static let numberedMigrations: [Int64: [(schema: String, step: Int64)]] = [
        1: [("node", 1), ("hotline", 1)], 2: [("cases", 1)], 3: [("record", 1), ("drills", 1)], 4: [("intelligence", 1)],
        5: [("intelligence", 2)], 6: [("intelligence", 3)], 7: [("intelligence", 4)], 8: [("node", 2)], 9: [("node", 3)],
        10: [("node", 4)],
    ]

    private static func carryOverNumberedMigrations(in database: any NodeDatabase, now: Int64) async throws {
        let legacy: SQLQueryString =
            database.kind == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            : "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'"
        guard try await database.sql.value(legacy, as: String.self) != nil else { return }
        try await database.transaction { db in
            for version in try await db.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int64.self) {
                guard let steps = numberedMigrations[version] else { throw StorageError.unknownMigration(version) }
                for step in steps {
                    try await db.run(
                        "INSERT INTO schema_steps (schema_name, step, applied_at) VALUES (\(bind: step.schema), \(bind: step.step), \(bind: now)) ON CONFLICT DO NOTHING"
                    )
                }
            }
            try await db.run("DROP TABLE schema_migrations")
        }
    }
}
