import Foundation
import SQLKit
import Testing

@testable import Storage

/// What the old hand-written SQL layer got wrong, on both databases: a `?` in a statement's text taken for a
/// placeholder, REAL values cut to integers, BLOBs read as NULL, hand-built `IN (?, ?, …)` lists.
struct SQLTests {
    @Test(arguments: Backend.available)
    func valuesKeepTheirTypesAndTextStaysText(backend: Backend) async throws {
        try await withStore(backend) { store in
            let sql = store.database.sql
            let text = try await sql.value("SELECT 'who?' || \(bind: "-and $1?")", as: String.self)
            #expect(text == "who?-and $1?")
            let real = try await sql.value("SELECT CAST(\(bind: 2.75) AS DOUBLE PRECISION)", as: Double.self)
            #expect(real == 2.75)
            let bytes = Data([0, 1, 0x3F, 0xFF])
            let blob = try await sql.value("SELECT \(bind: bytes)", as: Data.self)
            #expect(blob == bytes)
            let null = try await sql.value("SELECT \(bind: String?.none)", as: String.self)
            #expect(null == nil)
            let moment = Milliseconds(value: 1_790_000_000_123)
            let time = try await sql.value("SELECT \(bind: moment)", as: Milliseconds.self)
            #expect(time == moment)
        }
    }

    @Test(arguments: Backend.available)
    func aLongListIsBoundValueByValue(backend: Backend) async throws {
        try await withStore(backend) { store in
            let steps = (1...1500).map { Schema.Step(schemaName: "list-test", step: Int64($0), appliedAt: 0) }
            try await store.database.transaction { db in
                try await db.insert(into: "schema_steps").models(steps, with: .columns).run()
            }
            let wanted = stride(from: 3, through: 1500, by: 3).map(Int64.init)
            let found = try await store.database.sql.raw(
                "SELECT step FROM schema_steps WHERE schema_name = 'list-test' AND step IN (\(binds: wanted)) ORDER BY step"
            ).all(decodingColumn: "step", as: Int64.self)
            #expect(found == wanted)
        }
    }
}
