import Logging
import SQLiteNIO

/// SQLite, the embedded default. One connection, WAL journal, `synchronous=FULL`:
/// once a write has returned it survives a crash of the process or the machine.
public actor SQLiteDatabase: SQLDatabase {
    public nonisolated let kind = DatabaseKind.sqlite
    private let connection: SQLiteConnection
    private let lock = AsyncLock()
    private var isClosed = false

    public static func open(path: String, logger: Logger = Logger(label: "entente.sqlite")) async throws -> SQLiteDatabase {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let database = SQLiteDatabase(connection: connection)
        // A page cache of up to 64 MiB keeps more of a large STIX collection's indexes in memory: inserts into
        // random-UUID keys then cost a write, not a read from disk, as the table grows.
        for pragma in [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-65536",
        ] {
            try await database.query(pragma)
        }
        return database
    }

    private init(connection: SQLiteConnection) { self.connection = connection }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try TransactionScope.checkOutside(sql)
        return try await lock.withLock { try await self.run(sql, binds) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try TransactionScope.checkOutside("BEGIN")
        return try await lock.withLock {
            try await self.run("BEGIN IMMEDIATE", [])
            do {
                let result = try await TransactionScope.inside { try await body(TransactionExecutor(database: self)) }
                try await self.run("COMMIT", [])
                return result
            } catch {
                _ = try? await self.run("ROLLBACK", [])
                throw error
            }
        }
    }

    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        try? await lock.withLock { try await self.connection.close() }
    }

    @discardableResult
    fileprivate func run(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let rows = try await connection.query(
            sql,
            binds.map { value -> SQLiteData in
                switch value {
                case .null: .null
                case .integer(let integer): .integer(SQLiteInt64(integer))
                case .text(let text): .text(text)
                }
            }
        )
        return rows.map { row in
            SQLRow(
                values: Dictionary(
                    row.columns.map { column -> (String, SQLValue) in
                        switch column.data {
                        case .integer(let integer): (column.name, .integer(Int64(integer)))
                        case .text(let text): (column.name, .text(text))
                        case .float(let double): (column.name, .integer(Int64(double)))
                        case .blob, .null: (column.name, .null)
                        }
                    },
                    uniquingKeysWith: { first, _ in first }
                )
            )
        }
    }

    /// Statements inside a transaction bypass the lock the transaction already holds.
    private struct TransactionExecutor: SQLExecutor {
        let database: SQLiteDatabase
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await database.run(sql, binds)
        }
    }
}
