/// A value bound to or read from SQL. The schema uses only these three types
/// (`BIGINT`, `TEXT`, NULL), which SQLite and PostgreSQL store alike, so one
/// set of migrations and queries serves both.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    public init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
}

public struct SQLRow: Sendable {
    public let values: [String: SQLValue]

    public init(values: [String: SQLValue]) { self.values = values }

    public func text(_ column: String) throws -> String {
        guard case .text(let value) = values[column] else { throw StorageError.unexpectedColumn(column) }
        return value
    }

    /// A text column holding one of an enumeration's values: anything else means the database
    /// was edited or corrupted, and is an error rather than a silent default.
    public func value<Value: RawRepresentable>(_ column: String, as type: Value.Type) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: try text(column)) else { throw StorageError.unexpectedColumn(column) }
        return value
    }

    public func optionalText(_ column: String) throws -> String? {
        switch values[column] {
        case .text(let value): return value
        case .null: return nil
        default: throw StorageError.unexpectedColumn(column)
        }
    }

    public func integer(_ column: String) throws -> Int64 {
        guard case .integer(let value) = values[column] else { throw StorageError.unexpectedColumn(column) }
        return value
    }

    public func optionalInteger(_ column: String) throws -> Int64? {
        switch values[column] {
        case .integer(let value): return value
        case .null: return nil
        default: throw StorageError.unexpectedColumn(column)
        }
    }

    public func bool(_ column: String) throws -> Bool { try integer(column) != 0 }
}

/// Runs SQL written with `?` placeholders; each driver adapts them to its server.
public protocol SQLExecutor: Sendable {
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

extension SQLExecutor {
    @discardableResult
    public func query(_ sql: String) async throws -> [SQLRow] { try await query(sql, []) }
}

/// Whether the current task is inside a transaction's body. A statement there must go
/// through the transaction's executor: on the database itself it would wait for the
/// transaction's own lock on SQLite (forever), and run outside the transaction on PostgreSQL.
enum TransactionScope {
    @TaskLocal static var isInside = false

    /// Refuses a statement on the database itself from inside a transaction's body.
    static func checkOutside(_ sql: String) throws {
        guard !isInside else { throw StorageError.outsideTransaction(String(sql.prefix(80))) }
    }

    /// Runs a transaction's body, marked as inside it.
    static func inside<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await $isInside.withValue(true) { try await body() }
    }
}

public protocol SQLDatabase: SQLExecutor {
    var kind: DatabaseKind { get }
    /// Runs `body` in one transaction: all of it commits, or none of it does.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    func close() async
}

public enum DatabaseKind: String, Sendable { case sqlite, postgres }

public enum StorageError: Error, CustomStringConvertible, Equatable {
    case unexpectedColumn(String)
    case invalidDatabaseURL(String)
    case notFound(String)
    case conflict(String)
    /// A statement was sent on the database rather than on the transaction it ran in.
    case outsideTransaction(String)
    /// The database records a migration this build does not know: it was made by a newer Entente.
    case unknownMigration(Int64)

    public var description: String {
        switch self {
        case .unexpectedColumn(let column): "column \(column) is missing or has an unexpected type"
        case .invalidDatabaseURL(let url): "invalid database URL \(url): expected postgres://user:password@host:port/database"
        case .notFound(let what): "\(what) not found"
        case .unknownMigration(let version):
            "the database has migration \(version), which this version of Entente does not know: it was made by a newer one"
        case .conflict(let what): "\(what) already exists"
        case .outsideTransaction(let sql): "a statement inside a transaction used the database instead of the transaction: \(sql)"
        }
    }
}
