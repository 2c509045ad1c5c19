import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL for production, through PostgresNIO's connection pool.
public final class PostgresNodeDatabase: NodeDatabase {
    public let kind = DatabaseKind.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// `postgres://user:password@host:port/database[?sslmode=MODE[&sslrootcert=FILE]]`, with libpq's modes:
    /// `disable` (the default, for a database on the same host), `prefer`, `require` (encrypted, any
    /// certificate) and `verify-full` (encrypted, certificate checked against the system's or
    /// `sslrootcert`'s roots and the host name).
    public static func connect(url: String, logger: Logger = Logger(label: "entente.postgres")) async throws -> PostgresNodeDatabase {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, let user = components.user
        else { throw StorageError.invalidDatabaseURL(url) }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let parameters = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: try tls(mode: parameters["sslmode"] ?? "disable", rootCertificate: parameters["sslrootcert"], url: url)
        )
        let postgres = PostgresNodeDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger)
        do {
            try await postgres.sql.run("SELECT 1")
        } catch {
            await postgres.close()
            throw error
        }
        return postgres
    }

    static func tls(mode: String, rootCertificate: String?, url: String) throws(StorageError) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
        switch mode {
        case "disable": return .disable
        case "verify-full":
            return .require(tls)
        case "require", "prefer":
            // libpq's meaning: encrypted, but the certificate is not checked (use verify-full for that).
            tls.certificateVerification = .none
            return mode == "require" ? .require(tls) : .prefer(tls)
        default:
            throw StorageError.invalidDatabaseURL("\(url): sslmode must be disable, prefer, require or verify-full")
        }
    }

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        self.runTask = Task { await client.run() }
    }

    public var sql: any SQLDatabase { Pooled(client: client, logger: logger) }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try TransactionScope.checkOutside("BEGIN")
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await TransactionScope.inside { try await body(connection.sql()) }
            }
        } catch let error as PostgresTransactionError {
            // Callers care about why their work failed, not about the transaction wrapper.
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    /// Each statement outside a transaction on whichever pooled connection is free.
    private struct Pooled: SQLDatabase {
        let client: PostgresClient
        let logger: Logger

        var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
        var dialect: any SQLDialect { PostgresDialect() }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
            try TransactionScope.checkOutside(text(of: query))
            try await client.withConnection { connection in try await connection.sql().execute(sql: query, onRow) }
        }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
            eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
        }
    }
}
