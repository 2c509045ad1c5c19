import Cases
import EntenteProtocol
import Foundation
import Testing
@testable import Storage

@Suite("Case storage")
struct CaseStoreTests {
    static func events() throws -> [CaseEvent] {
        let now = Date()
        let report = try CaseEvent.sign(
            .report(.init(title: "Outage", summary: "DNS down", sectors: [.digitalInfrastructure], impact: .high, firstSeen: Timestamp.format(now), status: .ongoing)),
            caseID: nil, owner: estonia, author: estonia, after: [], by: .init(name: "Kadri", role: "diplomatic-poc"), key: sender.signing, now: now
        )
        let notification = try CaseEvent.sign(
            .notification(.init(participants: [latvia], message: "m", respondBy: Timestamp.format(now.addingTimeInterval(60)))),
            caseID: report.caseID, owner: estonia, author: estonia, after: [report.id], by: .init(name: "Kadri", role: "diplomatic-poc"),
            key: sender.signing, now: now.addingTimeInterval(1)
        )
        return [report, notification]
    }

    @Test(arguments: Backend.available)
    func outgoingEventsAndTheirEnvelopesCommitTogether(backend: Backend) async throws {
        try await withStore(backend) { store in
            let events = try Self.events()
            let carrier = try envelope(type: "case.events")
            try await store.recordOutgoing(caseEvents: events, envelopes: [carrier], now: Date())
            #expect(try await store.caseEvents(events[0].caseID) == events)
            #expect(try await store.dueOutbox(now: Date(), limit: 10).map(\.envelopeID) == [carrier.id])
            #expect(try await store.caseIDs() == [events[0].caseID])
            // Reusing an envelope id fails, and the new events of that call are not kept either.
            let another = try CaseEvent.sign(.closure(.init(outcome: "x")), caseID: events[0].caseID, owner: estonia, author: estonia,
                                             after: [events[1].id], by: .init(name: "K", role: "r"), key: sender.signing)
            await #expect(throws: (any Error).self) { try await store.recordOutgoing(caseEvents: [another], envelopes: [carrier], now: Date()) }
            #expect(try await store.caseEvents(events[0].caseID).count == 2)
        }
    }

    @Test(arguments: Backend.available)
    func incomingEventsAreStoredOnceWhateverCarriesThem(backend: Backend) async throws {
        try await withStore(backend) { store in
            let events = try Self.events()
            let first = Date(timeIntervalSince1970: 1_800_000_000)
            let carrier = try envelope(type: "case.events")
            #expect(try await store.recordIncoming(carrier, caseEvents: events, relays: [], now: first) == first)
            #expect(try await store.recordIncoming(carrier, caseEvents: events, relays: [], now: first.addingTimeInterval(9)) == first)
            // The same events in another envelope (a relay) are not stored twice.
            let relay = try envelope(type: "case.events")
            _ = try await store.recordIncoming(relay, caseEvents: events, relays: [], now: first)
            #expect(try await store.caseEvents(events[0].caseID).count == 2)
            #expect(try await store.storedCaseEventIDs(events.map(\.id) + [UUIDv7.string(UUIDv7.generate())]) == Set(events.map(\.id)))
        }
    }

    @Test(arguments: Backend.available)
    func escalationsAreRaisedOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            let escalation = CaseEscalation(itemID: "e/LVA", caseID: "c", owedBy: "LVA", dueAt: Date(unixMilliseconds: 1000),
                                            raisedAt: Date(unixMilliseconds: 2000), summary: "Answer the request")
            let first = try await store.raiseEscalation(escalation)
            let second = try await store.raiseEscalation(escalation)
            #expect(first && !second)
            #expect(try await store.escalations(caseID: "c") == [escalation])
            #expect(try await store.escalations(caseID: "other").isEmpty)
        }
    }
}
