import Foundation
import SQLKit

/// The database a node keeps everything in: SQLite (embedded, the default) or PostgreSQL (production),
/// both spoken to through SQLKit, so one set of migrations and queries serves both.
///
/// Values are bound, never spliced into the text (`\(bind:)` and `\(binds:)` in an `SQLQueryString`), and
/// rows are decoded into `Decodable` row types (`SQLDatabase.rows(_:as:)`). The schema keeps to types both
/// databases store alike: `BIGINT` (times as `Milliseconds`, booleans as 0 or 1), `TEXT` and NULL.
public protocol NodeDatabase: Sendable {
    var kind: DatabaseKind { get }
    /// For statements outside any transaction. A statement sent here from inside a transaction's body is
    /// refused (`StorageError.outsideTransaction`): on SQLite it would wait forever for the transaction's
    /// own lock, and on PostgreSQL it would run outside the transaction.
    var sql: any SQLDatabase { get }
    /// Runs `body` in one transaction, on the database it is given: all of it commits, or none of it does.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async
}

public enum DatabaseKind: String, Sendable { case sqlite, postgres }

public enum StorageError: Error, CustomStringConvertible, Equatable {
    case invalidDatabaseURL(String)
    case notFound(String)
    case conflict(String)
    /// A statement was sent on the database rather than on the transaction it ran in.
    case outsideTransaction(String)
    /// The database records a migration this build does not know: it was made by a newer Entente.
    case unknownMigration(Int64)
    /// A migration would add a constraint that rows already in the table break; nothing was changed.
    case constraintBroken(migration: String, table: String, constraint: String, rows: Int)

    public var description: String {
        switch self {
        case .invalidDatabaseURL(let url): "invalid database URL \(url): expected postgres://user:password@host:port/database"
        case .notFound(let what): "\(what) not found"
        case .unknownMigration(let version):
            "the database has migration \(version), which this version of Entente does not know: it was made by a newer one"
        case .conflict(let what): "\(what) already exists"
        case .outsideTransaction(let sql): "a statement inside a transaction used the database instead of the transaction: \(sql)"
        case .constraintBroken(let migration, let table, let constraint, let rows):
            "migration \(migration) cannot add \(constraint) to \(table): \(rows) row(s) already break it; "
                + "nothing was changed (correct or remove those rows, then start the node again)"
        }
    }
}

/// A moment as the schema keeps it: whole milliseconds since 1970 in a `BIGINT` column.
public struct Milliseconds: Codable, Sendable, Hashable, Comparable {
    public var value: Int64

    public init(_ date: Date) { value = date.unixMilliseconds }
    public init(value: Int64) { self.value = value }

    public var date: Date { Date(unixMilliseconds: value) }

    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int64.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

extension SQLRowDecoder {
    /// Row types name their columns in camel case: `pinnedAt` reads `pinned_at`.
    public static let columns = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
}

extension SQLQueryEncoder {
    /// Row types name their columns in camel case; a nil property is written as NULL, so every row of a
    /// multi-row insert names the same columns.
    public static let columns = SQLQueryEncoder(keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)
}

extension SQLDatabase {
    /// Every row `query` returns, as `Row`s.
    public func rows<Row: Decodable>(_ query: SQLQueryString, as type: Row.Type) async throws -> [Row] {
        try await raw(query).all(decoding: Row.self, with: .columns)
    }

    /// The first row `query` returns, if any, as a `Row`.
    public func row<Row: Decodable>(_ query: SQLQueryString, as type: Row.Type) async throws -> Row? {
        try await raw(query).first(decoding: Row.self, with: .columns)
    }

    /// The first column of the first row `query` returns: a count, a maximum. Nil for no row or NULL.
    public func value<Value: Decodable>(_ query: SQLQueryString, as type: Value.Type) async throws -> Value? {
        guard let row = try await raw(query).first(), let column = row.allColumns.first, try !row.decodeNil(column: column) else {
            return nil
        }
        return try row.decode(column: column, as: Value.self)
    }

    /// Whether `query`, a statement with `RETURNING`, changed any row.
    public func changes(_ query: SQLQueryString) async throws -> Bool {
        try await raw(query).first() != nil
    }

    public func run(_ query: SQLQueryString) async throws {
        try await raw(query).run()
    }

    /// Inserts one row of `table` from `row`'s properties.
    public func insert(into table: String, _ row: some Encodable & Sendable) async throws {
        try await insert(into: table).model(row, with: .columns).run()
    }
}

/// Whether the current task is inside a transaction's body, where statements must go through the
/// transaction's database (see `NodeDatabase.sql`).
enum TransactionScope {
    @TaskLocal static var isInside = false

    /// Refuses a statement on the database itself from inside a transaction's body.
    static func checkOutside(_ statement: @autoclosure () -> String) throws {
        guard !isInside else { throw StorageError.outsideTransaction(String(statement().prefix(80))) }
    }

    /// Runs a transaction's body, marked as inside it.
    static func inside<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await $isInside.withValue(true) { try await body() }
    }
}

extension SQLDatabase {
    /// A statement's text, to name it in an error.
    func text(of query: any SQLExpression) -> String { serialize(query).sql }
}
