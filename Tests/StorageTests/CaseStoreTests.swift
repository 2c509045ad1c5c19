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
            .report(
                .init(
                    title: "Outage",
                    summary: "DNS down",
                    sectors: [.digitalInfrastructure],
                    impact: .high,
                    firstSeen: Timestamp.format(now),
                    status: .ongoing
                )
            ),
            caseID: nil,
            owner: estonia,
            author: estonia,
            after: [],
            by: .init(name: "Kadri", role: "diplomatic-poc"),
            key: sender.signing,
            now: now
        )
        let notification = try CaseEvent.sign(
            .notification(.init(participants: [latvia], message: "m", respondBy: Timestamp.format(now.addingTimeInterval(60)))),
            caseID: report.caseID,
            owner: estonia,
            author: estonia,
            after: [report.id],
            by: .init(name: "Kadri", role: "diplomatic-poc"),
            key: sender.signing,
            now: now.addingTimeInterval(1)
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
            let another = try CaseEvent.sign(
                .closure(.init(outcome: "x")),
                caseID: events[0].caseID,
                owner: estonia,
                author: estonia,
                after: [events[1].id],
                by: .init(name: "K", role: "r"),
                key: sender.signing
            )
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
            #expect(
                try await store.caseEventDocuments(events.map(\.id) + [UUIDv7.string(UUIDv7.generate())]).keys.sorted() == events.map(\.id).sorted()
            )
        }
    }

    /// A document's identity is its author and its bytes: an id already held for other bytes
    /// (an envelope's or an event's, from anyone) is refused and the whole call stores nothing.
    @Test(arguments: Backend.available)
    func aHeldIdWithOtherBytesIsRefused(backend: Backend) async throws {
        try await withStore(backend) { store in
            let events = try Self.events()
            let carrier = try envelope(type: "case.events")
            _ = try await store.recordIncoming(carrier, caseEvents: [events[0]], relays: [], now: Date())

            // Another envelope under the carrier's id.
            let squatter = try Envelope.seal(
                payload: ["y": 2],
                type: "case.events",
                from: latvia,
                signingKey: sender.signing,
                to: [(estonia, recipient.agreement.publicKey)],
                tlp: .amber,
                exercise: false,
                id: carrier.id,
                createdAt: carrier.createdAt
            )
            await #expect(throws: ProtocolError.idConflict("envelope \(carrier.id) is already held with other content")) {
                try await store.recordIncoming(squatter, caseEvents: [events[1]], relays: [], now: Date())
            }
            // Another notification under the notification's id, after the genuine one is held.
            var members = events[1].document.removing("signature").objectValue ?? [:]
            members["body"] = ["participants": ["LTU"], "message": "other", "respondBy": members["body"]?["respondBy"] ?? .null]
            let forged = try CaseEvent(document: try DocumentSignature.sign(.object(members), with: sender.signing))
            let second = try envelope(type: "case.events")
            _ = try await store.recordIncoming(second, caseEvents: [events[1]], relays: [], now: Date())
            let third = try envelope(type: "case.events")
            await #expect(throws: ProtocolError.idConflict("document \(events[1].id) is already held with other content")) {
                try await store.recordIncoming(third, caseEvents: [forged], relays: [], now: Date())
            }
            #expect(try await store.caseEvents(events[0].caseID) == events)
            #expect(try await store.envelopeCount() == 2)
        }
    }

    @Test(arguments: Backend.available)
    func escalationsAreRaisedOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            let escalation = CaseEscalation(
                itemID: "e/LVA",
                caseID: "c",
                owedBy: "LVA",
                dueAt: Date(unixMilliseconds: 1000),
                raisedAt: Date(unixMilliseconds: 2000),
                summary: "Answer the request"
            )
            let first = try await store.raiseEscalation(escalation)
            let second = try await store.raiseEscalation(escalation)
            #expect(first && !second)
            #expect(try await store.escalations(caseID: "c") == [escalation])
            #expect(try await store.escalations(caseID: "other").isEmpty)
        }
    }
}
