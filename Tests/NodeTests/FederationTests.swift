import EntenteProtocol
import Federation
import Foundation
import Hotline
import SQLKit
import Storage
import Testing

@testable import Node

let notification = HotlineService.Draft(
    to: [ParticipantID("LVA")!, ParticipantID("LTU")!],
    template: .notification,
    priority: .flash,
    subject: "Ransomware at two banks",
    body: "Core banking encrypted since 05:40 UTC.",
    fields: ["incidentType": "ransomware", "affectedSectors": "banking"],
    tlp: .amber
)

@Suite("Federation on loopback", .serialized)
struct FederationTests {
    @Test func sendDeliverReceiptAcknowledgeAcrossThreeNodes() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania) = (federation["EST"], federation["LVA"], federation["LTU"])

        let id = try await estonia.service.send(notification, composedBy: "Kadri", role: .diplomaticPOC)[0]
        try await eventually("both recipients returned receipts") {
            try await estonia.server.store.message(id)?.deliveries.allSatisfy { $0.deliveredAt != nil } == true
        }
        for recipient in [latvia, lithuania] {
            let received = try #require(try await recipient.server.store.message(id))
            #expect(received.direction == .incoming && received.sender == "EST")
            #expect(received.content.subject == notification.subject)
            #expect(received.content.fields["incidentType"] == "ransomware")
            // The stored receipt is the recipient's signature over this very envelope.
            let delivery = try #require(try await estonia.server.store.message(id)?.deliveries.first { $0.recipient == recipient.id.rawValue })
            let envelope = try Envelope(
                wireBytes: Array(
                    try #require(
                        try await estonia.server.store.database.sql.value("SELECT wire FROM envelopes WHERE id = \(bind: id)", as: String.self)
                    ).utf8
                )
            )
            _ = try DeliveryReceipt(
                verifying: try JSONValue(parsing: try #require(delivery.receipt)),
                for: envelope,
                from: recipient.id,
                key: recipient.server.identity.keys.signing.publicKey
            )
        }

        try await latvia.service.acknowledge(id, by: "Jānis", role: "technical-poc")
        try await eventually("Estonia sees Latvia's acknowledgement") {
            try await estonia.server.store.message(id)?.deliveries.first { $0.recipient == "LVA" }?.acknowledgedAt != nil
        }
        let state = try #require(try await estonia.server.store.message(id))
        #expect(state.deliveries.first { $0.recipient == "LVA" }?.acknowledgedBy == "Jānis (technical-poc)")
        #expect(state.deliveries.first { $0.recipient == "LTU" }?.acknowledgedAt == nil)
        #expect(state.acknowledgementState(now: Date()) == .awaiting)
        await #expect(throws: ServiceFailure.self) { try await latvia.service.acknowledge(id, by: "Jānis", role: "technical-poc") }
    }

    @Test func unacknowledgedMessagesBecomeOverdueOnBothSides() async throws {
        // A zero-second flash deadline: overdue as soon as it is sent.
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"], deadlines: ["flash": 0])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let id = try await estonia.service.send(notification, composedBy: nil, role: .diplomaticPOC)[0]
        try await eventually("delivered") { try await latvia.server.store.message(id) != nil }
        try await Task.sleep(for: .milliseconds(5))
        let now = Date()
        #expect(try await latvia.server.store.message(id)?.acknowledgementState(now: now) == .overdue)
        #expect(try await estonia.server.store.message(id)?.acknowledgementState(now: now) == .overdue)
        #expect(try await estonia.server.store.overdueCounts(now: now).outgoing == 1)
        #expect(try await latvia.server.store.overdueCounts(now: now).incoming == 1)
        // Acknowledging late clears it on both sides.
        try await latvia.service.acknowledge(id, by: "Jānis", role: "technical-poc")
        try await federation["LTU"].service.acknowledge(id, by: "Rūta", role: "diplomatic-poc")
        try await eventually("acknowledgements reached the sender") {
            try await estonia.server.store.message(id)?.acknowledgementState(now: Date()) == .acknowledged
        }
        let metrics = try await http(.GET, estonia.url + "/metrics")
        #expect(metrics.body.contains("entente_overdue_messages"))
        #expect(metrics.body.contains("entente_outbox_depth"))
    }

    @Test func aPeerThatIsDownGetsTheMessageExactlyOnceWhenItIsBack() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        await latvia.stop()

        let id = try await estonia.service.send(notification, composedBy: nil, role: .diplomaticPOC)[0]
        try await eventually("a delivery attempt to the stopped peer failed") {
            try await estonia.server.store.database.sql.value("SELECT attempts FROM outbox WHERE recipient = 'LVA'", as: Int64.self) ?? 0 >= 1
        }
        #expect(try await estonia.server.store.message(id)?.deliveries.first { $0.recipient == "LTU" }?.deliveredAt != nil)

        try await latvia.start()
        try await eventually("the returning peer received it") {
            try await estonia.server.store.message(id)?.deliveries.allSatisfy { $0.deliveredAt != nil } == true
        }
        #expect(try await latvia.server.store.messages(direction: .incoming).filter { $0.id == id }.count == 1)
        #expect(try await latvia.server.store.envelopeCount() == 1)
        #expect(try await estonia.server.store.outboxDepth() == 0)
    }

    @Test func aPeerThatReachesUsAgainIsRetriedBeforeItsBackoffEnds() async throws {
        // A backoff far longer than the wait below: only the "peer is reachable" nudge can deliver in time.
        let federation = try await TestFederation.start(["EST", "LVA"]) { $0.options.retry = .init(initial: .seconds(600), maximum: .seconds(600)) }
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        await latvia.stop()
        let id = try await estonia.service.send(
            .init(to: [latvia.id], template: .freeText, priority: .urgent, subject: "While you were down"),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("the first attempt failed") {
            try await estonia.server.store.database.sql.value("SELECT attempts FROM outbox", as: Int64.self) ?? 0 >= 1
        }
        try await latvia.start()
        _ = try await latvia.service.send(
            .init(to: [estonia.id], template: .freeText, priority: .routine, subject: "Back online"),
            composedBy: nil,
            role: .diplomaticPOC
        )
        try await eventually("the queued message went out as soon as LVA was heard from") { try await latvia.server.store.message(id) != nil }
    }

    @Test func aRestartedSenderDeliversItsPendingOutbox() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        await latvia.stop()
        let id = try await estonia.service.send(notification, composedBy: nil, role: .diplomaticPOC)[0]
        try await eventually("LTU has it") { try await federation["LTU"].server.store.message(id) != nil }
        await estonia.stop()

        try await latvia.start()
        try await estonia.start()
        try await eventually("the restarted sender delivered from its outbox") { try await latvia.server.store.message(id) != nil }
        try await eventually("its receipt was recorded") {
            try await estonia.server.store.message(id)?.deliveries.allSatisfy { $0.deliveredAt != nil } == true
        }
        #expect(try await latvia.server.store.envelopeCount() == 1)
        #expect(try await federation["LTU"].server.store.envelopeCount() == 1)
    }

    @Test func communicationChecksReportRoundTripAndAnswer() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"])
        defer { Task { await federation.stop() } }
        let estonia = federation["EST"]
        let sent = try await estonia.service.sendCommunicationChecks(composedBy: "operator")
        #expect(Set(sent.keys) == ["LVA", "LTU"])
        try await eventually("both checks reached their peers") {
            try await estonia.server.store.communicationChecks().allSatisfy { $0.deliveredAt != nil }
        }
        try await federation["LVA"].service.acknowledge(sent["LVA"]!, by: "Jānis", role: "technical-poc")
        try await eventually("the answer came back") {
            try await estonia.server.store.communicationChecks().contains { $0.peer == "LVA" && $0.acknowledgedAt != nil }
        }
        let report = CheckReport(checks: try await estonia.server.store.communicationChecks())
        let latvia = try #require(report.participants.first { $0.peer == "LVA" })
        #expect(latvia.checks == 1 && latvia.reached == 1 && latvia.answered == 1)
        #expect(latvia.medianRoundTrip != nil && latvia.medianTimeToAnswer != nil)
        #expect(report.participants.first { $0.peer == "LTU" }?.answered == 0)
    }

    @Test func keyChangesWithoutRotationRaiseAnAlert() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let peers = latvia.service.peers
        let impostor = NodeKeys()
        var descriptor = estonia.server.identity.descriptor
        descriptor.sequence += 1
        descriptor.keys = impostor.publicKeys
        await #expect(throws: ProtocolError.self) {
            try await peers.update(with: descriptor, document: try descriptor.signed(with: impostor.signing), now: Date(), confirmedByOperator: false)
        }
        #expect(try await latvia.server.store.keyAlerts().first?.peer == "EST")
        #expect(await peers.peer(estonia.id)?.descriptor.keys == estonia.server.identity.keys.publicKeys)

        // A rotation signed by the pinned key is held until the operator confirms it: a stolen key alone does not take over.
        descriptor.rotation = try KeyRotation.sign(id: estonia.id, newKeys: impostor.publicKeys, previous: estonia.server.identity.keys)
        let update = try await peers.update(
            with: descriptor,
            document: try descriptor.signed(with: impostor.signing),
            now: Date(),
            confirmedByOperator: false
        )
        guard case .pending = update else {
            Issue.record("a rotation waits for the operator")
            return
        }
        #expect(await peers.peer(estonia.id)?.descriptor.keys == estonia.server.identity.keys.publicKeys)
        _ = try await latvia.server.peering.confirmPeer(estonia.id)
        #expect(await peers.peer(estonia.id)?.descriptor.keys == impostor.publicKeys)
        #expect(try await latvia.server.store.keyAlerts().isEmpty, "confirming clears the peer's alert")

        // An older descriptor replayed is refused, however often; its alerts are one per peer.
        let original = estonia.server.identity.descriptor
        for _ in 0..<3 {
            await #expect(throws: ProtocolError.self) {
                try await peers.update(
                    with: original,
                    document: try original.signed(with: estonia.server.identity.keys.signing),
                    now: Date(),
                    confirmedByOperator: false
                )
            }
        }
        let alerts = try await latvia.server.store.keyAlerts()
        #expect(alerts.count == 1 && alerts.first?.count == 3 && alerts.first?.detail.contains("replayed") == true)
        #expect(await peers.peer(estonia.id)?.descriptor.keys == impostor.publicKeys)

        // Adding a peer with the wrong fingerprint pins nothing.
        let lithuania = try TestNode("LTU", root: federation.root)
        try await lithuania.start()
        defer { Task { await lithuania.stop() } }
        await #expect(throws: ServiceFailure.self) {
            _ = try await latvia.server.peering.addPeer(url: lithuania.url, fingerprint: estonia.fingerprint)
        }
        #expect(await latvia.service.peers.peer(lithuania.id) == nil)
    }
}
