import EntenteProtocol
import Foundation
import Multilateral
import Testing

@testable import Storage

@Suite("Multilateral record and drill storage")
struct RecordStoreTests {
    static func entries() throws -> [RecordEntry] {
        let now = Date()
        let person = Person(name: "Kadri", role: "diplomatic-poc")
        let charter = try RecordEntry.sign(
            .forum,
            body: try ForumCharter(name: "IWG", mandate: "", members: [estonia, latvia]).json,
            in: nil,
            author: estonia,
            by: person,
            key: sender.signing,
            now: now
        )
        let proposal = try RecordEntry.sign(
            .proposal,
            body: try Proposal(title: "T", category: .norm, text: "Text").json,
            in: charter.space,
            author: estonia,
            by: person,
            key: sender.signing,
            now: now.addingTimeInterval(1)
        )
        let commitment = try RecordEntry.sign(
            .commitment,
            body: try Commitment(norm: "gge2015-13f", date: "2015-12-23", document: "A/RES/70/237").json,
            in: .publicRecord,
            author: estonia,
            by: person,
            key: sender.signing,
            now: now
        )
        return [charter, proposal, commitment]
    }

    @Test(arguments: Backend.available)
    func entriesAndTheirEnvelopesCommitTogetherAndAreFoundBySpace(backend: Backend) async throws {
        try await withStore(backend) { store in
            let entries = try Self.entries()
            let carrier = try envelope(type: "record.entries")
            try await store.recordOutgoing(recordEntries: entries, envelopes: [carrier], now: Date())
            #expect(try await store.recordEntries(in: entries[0].space) == Array(entries[0...1]))
            #expect(try await store.recordEntries(in: .publicRecord) == [entries[2]])
            #expect(try await store.recordEntries(ofEvery: "forum") == [entries[0].id: Array(entries[0...1])])
            #expect(try await store.recordEntries(ofEvery: "agreement").isEmpty)
            #expect(try await store.dueOutbox(now: Date(), limit: 10).map(\.envelopeID) == [carrier.id])
            // A replayed incoming envelope stores nothing more.
            let incoming = try envelope(type: "record.entries")
            let first = try await store.recordIncoming(
                incoming,
                recordEntries: [entries[2]],
                relays: [],
                now: Date(timeIntervalSince1970: 1_800_000_000)
            )
            let again = try await store.recordIncoming(incoming, recordEntries: [entries[2]], relays: [], now: Date())
            #expect(first == again)
            #expect(try await store.recordEntries(in: .publicRecord).count == 1)
        }
    }

    @Test(arguments: Backend.available)
    func drillInjectsComeDueOnceAndAreSentWithTheirMessageExactlyOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let scenario = DrillScenario(
                name: "Drill",
                injects: [
                    .init(offsetSeconds: 0, to: [latvia, estonia], priority: .urgent, subject: "One", body: ""),
                    .init(offsetSeconds: 60, to: [latvia], priority: .flash, subject: "Two", body: ""),
                ]
            )
            try await store.createDrill(
                id: UUIDv7.string(UUIDv7.generate()),
                scenario: scenario,
                document: "{}",
                createdBy: "director",
                startAt: start,
                now: start
            )
            let drill = try #require(try await store.drills().first)
            let due = try await store.dueInjects(now: start.addingTimeInterval(59))
            #expect(due.map(\.inject) == [1])
            #expect(due.first?.recipients == [estonia, latvia])
            var sent: [String] = []
            for recipient in [estonia, latvia] {
                let carrier = try envelope(from: recipient == estonia ? latvia : estonia, to: recipient)
                try await store.recordOutgoing(
                    carrier,
                    message: message("One"),
                    composedBy: "drill",
                    inject: .init(drill: drill.id, inject: 1, recipient: recipient),
                    now: start
                )
                sent.append(carrier.id)
            }
            #expect(try await store.dueInjects(now: start.addingTimeInterval(59)).isEmpty)
            #expect(try await store.dueInjects(now: start.addingTimeInterval(60)).map(\.inject) == [2])

            // Sending an inject already sent fails, and the message that would have carried it is not stored.
            let again = try envelope(to: latvia)
            await #expect(throws: StorageError.self) {
                try await store.recordOutgoing(
                    again,
                    message: message("One"),
                    composedBy: "drill",
                    inject: .init(drill: drill.id, inject: 1, recipient: latvia),
                    now: start
                )
            }
            #expect(try await store.message(again.id) == nil)

            let deliveries = try await store.drillDeliveries(drill.id, subjects: [1: "One", 2: "Two"])
            #expect(deliveries.map(\.messageID) == sent + [nil])
            #expect(deliveries.last?.dueAt == start.addingTimeInterval(60).unixMilliseconds)
        }
    }
}
