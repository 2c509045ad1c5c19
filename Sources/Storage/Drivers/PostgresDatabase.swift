import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// PostgreSQL for production, through PostgresNIO's connection pool.
public final class PostgresDatabase: SQLDatabase {
    public let kind = DatabaseKind.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// `postgres://user:password@host:port/database[?sslmode=MODE[&sslrootcert=FILE]]`, with libpq's modes:
    /// `disable` (the default, for a database on the same host), `prefer`, `require` (encrypted, any
    /// certificate) and `verify-full` (encrypted, certificate checked against the system's or
    /// `sslrootcert`'s roots and the host name).
    public static func connect(url: String, logger: Logger = Logger(label: "entente.postgres")) async throws -> PostgresDatabase {
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
        let postgres = PostgresDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger)
        try await postgres.query("SELECT 1")
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

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try TransactionScope.checkOutside(sql)
        return try await Self.collect(client.query(Self.makeQuery(sql, binds), logger: logger))
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try TransactionScope.checkOutside("BEGIN")
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await TransactionScope.inside { try await body(ConnectionExecutor(connection: connection, logger: self.logger)) }
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

    private struct ConnectionExecutor: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await PostgresDatabase.collect(connection.query(PostgresDatabase.makeQuery(sql, binds), logger: logger))
        }
    }

    /// Rewrites `?` placeholders to `$1, $2, …`. Queries in this codebase never
    /// put a literal `?` inside a string, so a plain scan is exact.
    static func makeQuery(_ sql: String, _ binds: [SQLValue]) -> PostgresQuery {
        var text = ""
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                text += "$\(index)"
            } else {
                text.append(character)
            }
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .text(let string): bindings.append(string)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }

    static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var result: [SQLRow] = []
        for try await row in rows {
            var values: [String: SQLValue] = [:]
            for cell in row {
                guard cell.bytes != nil else {
                    values[cell.columnName] = .null
                    continue
                }
                switch cell.dataType {
                case .int2, .int4, .int8: values[cell.columnName] = .integer(try cell.decode(Int64.self))
                case .bool: values[cell.columnName] = .integer(try cell.decode(Bool.self) ? 1 : 0)
                default: values[cell.columnName] = .text(try cell.decode(String.self))
                }
            }
            result.append(SQLRow(values: values))
        }
        return result
    }
}
