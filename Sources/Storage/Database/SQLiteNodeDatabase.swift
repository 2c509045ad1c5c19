import Logging
import NIOCore
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLite, the embedded default. One connection, WAL journal, `synchronous=FULL`: once a write has
/// returned it survives a crash of the process or the machine. Statements take turns on the
/// connection, and a transaction holds it from `BEGIN IMMEDIATE` to `COMMIT`.
public final class SQLiteNodeDatabase: NodeDatabase {
    public let kind = DatabaseKind.sqlite
    private let connection: SQLiteConnection
    private let lock = AsyncLock()

    public static func open(path: String, logger: Logger = Logger(label: "entente.sqlite")) async throws -> SQLiteNodeDatabase {
        let database = SQLiteNodeDatabase(connection: try await SQLiteConnection.open(storage: .file(path: path), logger: logger))
        // A page cache of up to 64 MiB keeps more of a large STIX collection's indexes in memory: inserts into
        // random-UUID keys then cost a write, not a read from disk, as the table grows.
        for pragma: SQLQueryString in [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-65536",
        ] {
            try await database.sql.run(pragma)
        }
        return database
    }

    private init(connection: SQLiteConnection) { self.connection = connection }

    public var sql: any SQLDatabase { TakingTurns(connection: connection.sql(), lock: lock) }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try TransactionScope.checkOutside("BEGIN")
        let connection = connection.sql()
        return try await lock.withLock {
            try await connection.run("BEGIN IMMEDIATE")
            do {
                let result = try await TransactionScope.inside { try await body(connection) }
                try await connection.run("COMMIT")
                return result
            } catch {
                try? await connection.run("ROLLBACK")
                throw error
            }
        }
    }

    public func close() async {
        try? await lock.withLock { try await self.connection.close() }
    }

    /// The connection for one statement at a time, outside transactions.
    private struct TakingTurns: SQLDatabase {
        let connection: any SQLDatabase
        let lock: AsyncLock

        var logger: Logger { connection.logger }
        var eventLoop: any EventLoop { connection.eventLoop }
        var version: (any SQLDatabaseReportedVersion)? { connection.version }
        var dialect: any SQLDialect { connection.dialect }
        var queryLogLevel: Logger.Level? { connection.queryLogLevel }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
            try TransactionScope.checkOutside(text(of: query))
            try await lock.withLock { try await connection.execute(sql: query, onRow) }
        }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
            eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
        }
    }
}
