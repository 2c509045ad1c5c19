import Cases
import EntenteProtocol
import Foundation
import Hotline
import Intelligence
import Multilateral
import Node
import SQLKit
import Testing

@testable import Storage

/// The CHECK constraints and foreign keys added to tables that already hold rows: a database from before
/// them is migrated with every row, index and cascade kept, and the database then refuses what the code
/// never writes. Run on both databases.
@Suite("Constraints")
struct ConstraintTests {
    static let schemas = [Schema.node] + NodeFeatures.schemas

    @Test(arguments: Backend.available)
    func aDatabaseWithRowsGainsTheConstraintsAndKeepsEverything(backend: Backend) async throws {
        try await withDatabase(backend) { database in
            try await Schema.apply(Self.schemas.map(\.beforeConstraints), to: database, now: 0)
            try await Self.insertOneOfEverything(into: database.sql)
            let rowsBefore = try await Self.rowCounts(database)
            let indexesBefore = try await Self.indexCount(database)

            try await Schema.apply(Self.schemas, to: database, now: 0)

            #expect(try await Self.rowCounts(database) == rowsBefore)
            #expect(try await Self.indexCount(database) == indexesBefore)
            #expect(rowsBefore["sessions"] == 1, "rebuilding users must not cascade-delete its sessions")
            let sql = database.sql
            // The new rules hold …
            for refused: SQLQueryString in [
                "UPDATE users SET role = 'admin'",
                "UPDATE envelopes SET direction = 'sideways'",
                "UPDATE messages SET tlp = 'white'",
                "UPDATE messages SET exercise = 2",
                "UPDATE stix_objects SET collection = 'no-such-collection'",
                "UPDATE taxii_status SET collection = 'no-such-collection'",
                "UPDATE case_events SET kind = 'surrender'",
                "UPDATE record_entries SET kind = 'decree'",
                "UPDATE taxii_accounts SET relation = 'friend'",
                "UPDATE outbox SET attempts = -1",
            ] {
                await #expect(throws: (any Error).self, "\(refused)") { try await sql.run(refused) }
            }
            // … and so do the old ones: foreign keys are enforced again, cascades still cascade.
            await #expect(throws: (any Error).self) {
                try await sql.run("INSERT INTO deliveries (message_id, recipient) VALUES ('no-such-message', 'LVA')")
            }
            try await sql.run("DELETE FROM users WHERE username = 'duty'")
            #expect(try await sql.value("SELECT COUNT(*) FROM sessions", as: Int64.self) == 0)
        }
    }

    /// A row the code would never write (a hand edit, a bug in an old version) stops the migration with the
    /// table, the rule and the number of rows named; nothing is changed, and once the row is corrected the
    /// migration goes through.
    @Test(arguments: Backend.available)
    func rowsThatBreakANewConstraintStopTheMigrationAndChangeNothing(backend: Backend) async throws {
        try await withDatabase(backend) { database in
            try await Schema.apply(Self.schemas.map(\.beforeConstraints), to: database, now: 0)
            try await Self.insertOneOfEverything(into: database.sql)
            try await database.sql.run("UPDATE users SET role = 'admin'")

            let error = await #expect(throws: StorageError.self) { try await Schema.apply(Self.schemas, to: database, now: 0) }
            #expect(
                error
                    == .constraintBroken(
                        migration: "node.5",
                        table: "users",
                        constraint: "CHECK (role IN ('diplomatic-poc', 'technical-poc', 'observer', 'operator'))",
                        rows: 1
                    )
            )
            #expect(try await database.sql.value("SELECT role FROM users", as: String.self) == "admin")
            let applied = try await database.sql.rows("SELECT schema_name, step FROM schema_steps", as: Schema.Step.self).map(\.name)
            #expect(!applied.contains("node.5"))

            try await database.sql.run("UPDATE users SET role = 'observer'")
            try await Schema.apply(Self.schemas, to: database, now: 0)
            await #expect(throws: (any Error).self) { try await database.sql.run("UPDATE users SET role = 'admin'") }
        }
    }

    /// A shipped migration never changes, so the values its checks allow are spelled out; they must be the
    /// enumerations' own. When a case is added, this fails until a new migration widens the check.
    @Test func theChecksAllowExactlyTheEnumerationsValues() throws {
        let expected: [(schema: Schema, table: String, column: String, values: [String])] = [
            (.node, "peers", "kind", ParticipantKind.allCases.map(\.rawValue)),
            (.node, "envelopes", "direction", Direction.allCases.map(\.rawValue)),
            (.node, "users", "role", Role.allCases.map(\.rawValue)),
            (.hotline, "messages", "direction", Direction.allCases.map(\.rawValue)),
            (.hotline, "messages", "priority", Priority.allCases.map(\.rawValue)),
            (.hotline, "messages", "tlp", TLP.allCases.map(\.rawValue)),
            (.cases, "case_events", "kind", CaseAction.Kind.allCases.map(\.rawValue)),
            (.record, "record_entries", "kind", RecordKind.allCases.map(\.rawValue)),
            (.intelligence, "taxii_collections", "default_tlp", TLP.allCases.map(\.rawValue)),
            (.intelligence, "taxii_accounts", "relation", Reader.Relation.allCases.map(\.rawValue)),
            (.intelligence, "stix_objects", "tlp", TLP.allCases.map(\.rawValue)),
        ]
        for (schema, table, column, values) in expected {
            let allowed = schema.constraints(on: table).compactMap { constraint -> [String]? in
                guard case .oneOf(column, let values) = constraint else { return nil }
                return values
            }
            #expect(allowed.last == values, "\(schema.name): \(table).\(column)")
        }
    }

    // MARK: Fixtures

    static let tables = [
        "peers", "key_alerts", "envelopes", "outbox", "users", "sessions", "api_tokens", "peer_usage", "messages", "deliveries",
        "case_events", "record_entries", "taxii_collections", "taxii_accounts", "taxii_grants", "stix_objects", "taxii_status",
    ]

    /// A row in every table a constraint is added to, and in the tables that refer to them.
    static func insertOneOfEverything(into sql: any SQLDatabase) async throws {
        let statements: [SQLQueryString] = [
            "INSERT INTO peers (id, name, kind, endpoint, fingerprint, descriptor, pinned_at, updated_at) VALUES ('LVA', 'Latvia', 'state', 'http://127.0.0.1:1', 'f', '{}', 1, 1)",
            "INSERT INTO key_alerts (id, peer_id, raised_at, offered_fingerprint, detail, count, last_raised_at) VALUES ('a1', 'LVA', 1, 'g', 'changed', 2, 3)",
            "INSERT INTO envelopes (id, direction, type, sender, created_at, stored_at, wire) VALUES ('e1', 'out', 'hotline.message', 'EST', 1, 1, '{}')",
            "INSERT INTO outbox (envelope_id, recipient, enqueued_at, attempts, next_attempt_at) VALUES ('e1', 'LVA', 1, 0, 1)",
            "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES ('duty', 'Duty officer', 'diplomatic-poc', 'h', 1)",
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) VALUES ('t', 'duty', 'c', 1, 2)",
            "INSERT INTO api_tokens (token_hash, username, created_at) VALUES ('k', 'duty', 1)",
            "INSERT INTO peer_usage (peer_id, bytes, envelopes) VALUES ('LVA', 10, 1)",
            """
            INSERT INTO messages (id, direction, sender, recipients, template, priority, subject, body, language, fields, attachments,
                tlp, exercise, sent_at, received_at, ack_by)
            VALUES ('e1', 'out', 'EST', 'LVA', 'notification', 'flash', 'Outage', 'Body', 'en', '{}', '[]', 'amber+strict', 0, 1, 1, 2)
            """,
            "INSERT INTO deliveries (message_id, recipient) VALUES ('e1', 'LVA')",
            "INSERT INTO case_events (id, case_id, author, kind, at, stored_at, document) VALUES ('c1', 'case', 'EST', 'follow-up-done', 1, 1, '{}')",
            "INSERT INTO record_entries (id, space, author, kind, at, stored_at, document) VALUES ('r1', 'space', 'EST', 'vote-call', 1, 1, '{}')",
            "INSERT INTO taxii_collections (id, title, description, default_tlp, created_at) VALUES ('col', 'Indicators', '', 'green', 1)",
            "INSERT INTO taxii_accounts (name, relation, token_hash, created_at) VALUES ('partner', 'partner', 'p', 1)",
            "INSERT INTO taxii_grants (account, collection, can_read, can_write) VALUES ('partner', 'col', 1, 0)",
            """
            INSERT INTO stix_objects (collection, id, version, version_us, date_added, type, spec_version, tlp, recipients, from_here,
                latest, earliest, document)
            VALUES ('col', 'indicator--1', 'v', 1, 1, 'indicator', '2.1', 'clear', '', 1, 1, 1, '{}')
            """,
            "INSERT INTO taxii_status (id, collection, account, created_at, document) VALUES ('s1', 'col', 'partner', 1, '{}')",
        ]
        for statement in statements { try await sql.run(statement) }
    }

    static func rowCounts(_ database: any NodeDatabase) async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for table in tables { counts[table] = try await database.sql.value("SELECT COUNT(*) FROM \(ident: table)", as: Int64.self) }
        return counts
    }

    static func indexCount(_ database: any NodeDatabase) async throws -> Int64? {
        let query: SQLQueryString =
            database.kind == .sqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            : "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()"
        return try await database.sql.value(query, as: Int64.self)
    }
}

extension Schema {
    /// This schema as a node had it before its first migration that adds constraints.
    var beforeConstraints: Schema {
        let first = migrations.firstIndex { $0.contains { if case .constrain = $0 { true } else { false } } } ?? migrations.endIndex
        return Schema(name, migrations: Array(migrations[..<first]))
    }

    func constraints(on table: String) -> [Constraint] {
        migrations.flatMap { $0 }.flatMap { change -> [Constraint] in
            guard case .constrain(table, let constraints) = change else { return [] }
            return constraints
        }
    }
}
