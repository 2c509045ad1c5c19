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
    public let migrations: [[Change]]

    public init(_ name: String, migrations: [[Change]]) {
        self.name = name
        self.migrations = migrations
    }

    /// One change a migration makes to the database.
    public enum Change: Sendable, ExpressibleByStringLiteral {
        /// A statement both databases run as written.
        case sql(String)
        /// Constraints added to a table that exists and may hold rows. Rows that break one are counted first
        /// and the migration refused by name (`StorageError.constraintBroken`), with nothing changed.
        /// PostgreSQL adds them in place; SQLite, which cannot add a constraint to a table, rebuilds the
        /// table with them and its indexes (the procedure of its `ALTER TABLE` documentation).
        case constrain(_ table: String, _ constraints: [Constraint])

        public init(stringLiteral statement: String) { self = .sql(statement) }
    }

    /// A rule every row of a table keeps, written once for both databases.
    public enum Constraint: Sendable, CustomStringConvertible {
        /// The column holds one of `values`: an enumeration's raw values, spelled out here because a shipped
        /// migration never changes (a new case needs a new migration; a test compares these with the enumerations).
        case oneOf(_ column: String, _ values: [String])
        /// The column holds 0 or 1.
        case boolean(_ column: String)
        /// A condition on the row's columns.
        case check(_ condition: String)
        /// The column names a row of `table` by its `key`.
        case references(_ column: String, _ table: String, _ key: String)

        /// The table constraint as SQL, for `CREATE TABLE` and `ALTER TABLE … ADD`.
        public var description: String {
            switch self {
            case .oneOf, .boolean, .check: "CHECK (\(condition))"
            case .references(let column, let table, let key): "FOREIGN KEY (\(column)) REFERENCES \(table)(\(key))"
            }
        }

        /// What a row that keeps the constraint satisfies, as a condition (NULL passes, as it does for SQL's own checks).
        var condition: String {
            switch self {
            case .oneOf(let column, let values):
                "\(column) IN (\(values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")))"
            case .boolean(let column): "\(column) IN (0, 1)"
            case .check(let condition): condition
            case .references(let column, let table, let key): "\(column) IS NULL OR \(column) IN (SELECT \(key) FROM \(table))"
            }
        }
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
            [
                // What the code has always kept to, now kept by the database too: a corrupt or hand-edited row is
                // refused when written, not misread later.
                .constrain("peers", [.oneOf("kind", ["state", "organization", "private"])]),
                .constrain("envelopes", [.oneOf("direction", ["in", "out"])]),
                .constrain("outbox", [.check("attempts >= 0")]),
                .constrain("key_alerts", [.check("count >= 1")]),
                .constrain("users", [.oneOf("role", ["diplomatic-poc", "technical-poc", "observer", "operator"])]),
                .constrain("peer_usage", [.check("bytes >= 0 AND envelopes >= 0")]),
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
                try await withForeignKeysUnenforced(on: database) {
                    try await database.transaction { db in
                        for change in statements { try await change.apply(to: db, kind: database.kind, migration: step.name) }
                        if database.kind == .sqlite { try await checkForeignKeys(db, step: step) }
                        try await db.insert(into: "schema_steps", step)
                    }
                }
            }
        }
    }

    /// On SQLite, runs `body` with foreign keys unenforced, as a table rebuild needs (dropping a table that
    /// others refer to would otherwise delete their rows by cascade); each migration checks them itself
    /// before it commits. The pragma has no effect inside a transaction, so it is set around one.
    private static func withForeignKeysUnenforced(on database: any NodeDatabase, _ body: () async throws -> Void) async throws {
        guard database.kind == .sqlite else { return try await body() }
        try await database.sql.run("PRAGMA foreign_keys=OFF")
        do {
            try await body()
        } catch {
            try await database.sql.run("PRAGMA foreign_keys=ON")
            throw error
        }
        try await database.sql.run("PRAGMA foreign_keys=ON")
    }

    private static func checkForeignKeys(_ db: any SQLDatabase, step: Step) async throws {
        let broken = try await db.raw("PRAGMA foreign_key_check").all()
        guard let first = broken.first else { return }
        let table = (try? first.decode(column: "table", as: String.self)) ?? "a table"
        let parent = (try? first.decode(column: "parent", as: String.self)) ?? "another table"
        throw StorageError.constraintBroken(
            migration: step.name,
            table: table,
            constraint: "FOREIGN KEY REFERENCES \(parent)",
            rows: broken.count
        )
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

extension Schema.Change {
    fileprivate func apply(to db: any SQLDatabase, kind: DatabaseKind, migration: String) async throws {
        switch self {
        case .sql(let statement):
            try await db.run(SQLQueryString(statement))
        case .constrain(let table, let constraints):
            for constraint in constraints {
                let broken =
                    try await db.value("SELECT COUNT(*) FROM \(unsafeRaw: table) WHERE NOT (\(unsafeRaw: constraint.condition))", as: Int64.self) ?? 0
                guard broken == 0 else {
                    throw StorageError.constraintBroken(migration: migration, table: table, constraint: constraint.description, rows: Int(broken))
                }
            }
            switch kind {
            case .postgres:
                for constraint in constraints { try await db.run("ALTER TABLE \(unsafeRaw: table) ADD \(unsafeRaw: constraint.description)") }
            case .sqlite:
                try await Self.rebuild(table, adding: constraints, on: db)
            }
        }
    }

    /// SQLite's way to add a constraint: a new table defined as the old one was plus the constraints, the rows
    /// copied in, the old table dropped, the new one renamed to its name and the old table's indexes built again.
    private static func rebuild(_ table: String, adding constraints: [Schema.Constraint], on db: any SQLDatabase) async throws {
        guard
            let definition = try await db.value("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = \(bind: table)", as: String.self),
            let open = definition.firstIndex(of: "("), let close = definition.lastIndex(of: ")")
        else { throw StorageError.notFound("table \(table)") }
        let indexes = try await db.raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = \(bind: table) AND sql IS NOT NULL")
            .all(decodingColumn: "sql", as: String.self)
        let columns = definition[definition.index(after: open)..<close]
        let rebuilt = table + "__rebuilt"
        let added = constraints.map(\.description).joined(separator: ", ")
        try await db.run("CREATE TABLE \(unsafeRaw: rebuilt) (\(unsafeRaw: String(columns)), \(unsafeRaw: added))")
        try await db.run("INSERT INTO \(unsafeRaw: rebuilt) SELECT * FROM \(unsafeRaw: table)")
        try await db.run("DROP TABLE \(unsafeRaw: table)")
        try await db.run("ALTER TABLE \(unsafeRaw: rebuilt) RENAME TO \(unsafeRaw: table)")
        for index in indexes { try await db.run(SQLQueryString(index)) }
    }
}
