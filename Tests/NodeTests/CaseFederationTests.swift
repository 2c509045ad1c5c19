import Cases
import EntenteProtocol
import Federation
import Foundation
import SQLKit
import Testing

@testable import Node

/// Incident cases across real nodes on loopback: every step signed, carried in envelopes,
/// and the same state computed on every participant's node.
@Suite("Incident cases across nodes", .serialized)
struct CaseFederationTests {
    static let person = CaseEvent.Person(name: "Duty officer", role: "diplomatic-poc")

    static func id(_ text: String) -> ParticipantID { ParticipantID(text)! }
    static func later(_ seconds: TimeInterval) -> String { Timestamp.format(Date().addingTimeInterval(seconds)) }

    static let report = CaseAction.Report(
        title: "Ransomware at two banks",
        summary: "Core banking encrypted since 05:40 UTC.",
        sectors: [.banking],
        impact: .severe,
        firstSeen: Timestamp.format(Date()),
        status: .ongoing,
        tlp: .amber,
        exercise: true
    )

    func state(_ node: TestNode, _ caseID: String) async throws -> CaseState? { try? await node.server.cases.state(caseID) }

    func everyoneAgrees(_ nodes: [TestNode], on caseID: String, eventCount: Int) async throws {
        try await eventually("all \(nodes.count) nodes hold the same \(eventCount) events") {
            var states: [CaseState] = []
            for node in nodes {
                guard let state = try await state(node, caseID), state.timeline.count == eventCount else { return false }
                states.append(state)
            }
            return states.dropFirst().allSatisfy { $0 == states[0] }
        }
    }

    @Test func theWholeStoryAcrossFourNodesWithAnUninvitedFifth() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU", "OSCE", "FIN"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania, osce, finland) = (
            federation["EST"], federation["LVA"], federation["LTU"], federation["OSCE"], federation["FIN"]
        )
        let est = estonia.server.cases
        let lva = latvia.server.cases
        let ltu = lithuania.server.cases

        // 1. Contact.
        let caseID = try await est.open(Self.report, by: Self.person).caseID
        let notification = try await est.record(
            .notification(
                .init(
                    participants: [Self.id("LVA"), Self.id("LTU")],
                    message: "Command servers in your networks.",
                    respondBy: Self.later(3600)
                )
            ),
            in: caseID,
            by: Self.person
        )
        try await eventually("LVA and LTU hold the case") {
            let latvian = try await state(latvia, caseID)
            let lithuanian = try await state(lithuania, caseID)
            return latvian?.stage == .notified && lithuanian?.stage == .notified
        }
        try await lva.record(.acknowledgement(.init(notification: notification.id)), in: caseID, by: Self.person)
        try await ltu.record(.acknowledgement(.init(notification: notification.id)), in: caseID, by: Self.person)

        // 2. Bilateral consultation and cooperation.
        try await everyoneAgrees([estonia, latvia, lithuania], on: caseID, eventCount: 4)
        let request = try await est.record(
            .request(
                .init(
                    to: [Self.id("LVA")],
                    asks: [.logs, .takedown],
                    details: "Logs of 198.51.100.7.",
                    dueBy: Self.later(86_400)
                )
            ),
            in: caseID,
            by: Self.person
        )
        try await eventually("LVA sees the request") { try await state(latvia, caseID)?.requests.count == 1 }
        #expect(try await lva.state(caseID).possibleActions(for: Self.id("LVA")).contains(.response))
        try await lva.record(
            .response(.init(request: request.id, decision: .partial, content: "Logs attached; takedown under way.")),
            in: caseID,
            by: Self.person
        )
        try await lva.record(
            .evidence(
                .init(
                    description: "Netflow",
                    files: [.init(name: "netflow.csv", sha256: String(repeating: "0f", count: 32), tlp: .amber)],
                    indicators: [.init(type: "ipv4-addr", value: "198.51.100.7")],
                    tlp: .amber
                )
            ),
            in: caseID,
            by: Self.person
        )
        try await everyoneAgrees([estonia, latvia, lithuania], on: caseID, eventCount: 7)
        try await est.record(
            .consultation(.init(with: [Self.id("LVA")], heldAt: Timestamp.format(Date()), minutes: "Video call.", outcome: "Joint investigation.")),
            in: caseID,
            by: Self.person
        )

        // 3. Multilateral forum: the OSCE is invited and receives the whole history.
        try await est.record(
            .notification(.init(participants: [Self.id("OSCE")], message: "For the Permanent Council.", respondBy: Self.later(3600))),
            in: caseID,
            by: Self.person
        )
        try await est.record(.referral(.init(forum: "OSCE Permanent Council", reason: "Support for a joint statement.")), in: caseID, by: Self.person)
        let attribution = try await est.record(
            .attribution(
                .init(
                    actor: .init(kind: .stateLinkedGroup, name: "EXERCISE BEAR"),
                    basis: [.technical, .intelligence],
                    likelihood: .likely,
                    confidence: .moderate,
                    summary: "Tooling overlap."
                )
            ),
            in: caseID,
            by: Self.person
        )
        let statement = try await est.propose(
            .init(title: "Joint statement", text: "We condemn this attack.", attribution: attribution.id),
            in: caseID,
            by: Self.person
        )
        try await eventually("LVA and LTU see the statement") {
            let latvian = try await state(latvia, caseID)
            let lithuanian = try await state(lithuania, caseID)
            return latvian?.statement(statement.id) != nil && lithuanian?.statement(statement.id) != nil
        }
        try await lva.cosign(statement: statement.id, in: caseID, by: Self.person)
        try await ltu.cosign(statement: statement.id, in: caseID, by: Self.person)

        // 4. Agreement, 5. follow-up.
        try await everyoneAgrees([estonia, latvia, lithuania, osce], on: caseID, eventCount: 15)
        try await est.record(.resolution(.init(outcome: "Servers taken down; protocol agreed.")), in: caseID, by: Self.person)
        try await est.record(
            .followUp(.init(actions: [.init(id: "training", action: "Joint training", owner: Self.id("LVA"), dueBy: Self.later(86_400 * 30))])),
            in: caseID,
            by: Self.person
        )
        try await eventually("LVA owes the training") { try await state(latvia, caseID)?.stage == .followUp }
        try await lva.record(.followUpDone(.init(action: "training", note: "Held in Riga.")), in: caseID, by: Self.person)
        try await eventually("EST sees it done") { try await state(estonia, caseID)?.actions.first?.done != nil }
        try await est.record(.closure(.init(outcome: "Resolved by cooperation.")), in: caseID, by: Self.person)

        try await everyoneAgrees([estonia, latvia, lithuania, osce], on: caseID, eventCount: 19)
        let final = try await est.state(caseID)
        #expect(final.stage == .closed)
        #expect(final.timeline.allSatisfy { $0.refusal == nil })
        #expect(final.participants.map(\.rawValue) == ["EST", "LVA", "LTU", "OSCE"])
        #expect(Set(final.timeline.map(\.step)) == Set(CaseStep.allCases))

        // The joint statement carries three signatures and verifies offline from its bytes alone.
        let exported = try await osce.server.cases.exportStatement(statement.id, in: caseID)
        let verified = try JointStatement(verifying: exported.fileBytes)
        #expect(verified.signatures.map(\.participant.rawValue) == ["EST", "LTU", "LVA"])
        #expect(verified.body["attribution"]?["likelihood"]?.stringValue == "likely")

        // Finland was never invited: its node received nothing at all.
        #expect(try await finland.server.store.caseIDs().isEmpty)
        #expect(try await finland.server.store.envelopeCount() == 0)
    }

    @Test func outOfOrderAndDuplicatedDeliveryConverges() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"]) { node in
            // The sender retries late, so the test alone decides the order of delivery.
            node.options.retry = .init(initial: .seconds(120), maximum: .seconds(120))
        }
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        await latvia.stop()
        let est = estonia.server.cases
        let caseID = try await est.open(Self.report, by: Self.person).caseID
        try await est.record(
            .notification(.init(participants: [Self.id("LVA")], message: "m", respondBy: Self.later(3600))),
            in: caseID,
            by: Self.person
        )
        for n in 0..<5 {
            try await est.record(
                .evidence(.init(description: "batch \(n)", indicators: [.init(type: "domain-name", value: "c\(n).example")], tlp: .amber)),
                in: caseID,
                by: Self.person
            )
        }
        try await est.record(
            .request(.init(to: [Self.id("LVA")], asks: [.indicators], details: "d", dueBy: Self.later(600))),
            in: caseID,
            by: Self.person
        )
        try await est.record(.referral(.init(forum: "UN", reason: "r")), in: caseID, by: Self.person)
        let wire = try await estonia.server.store.database.sql.raw("SELECT wire FROM envelopes WHERE type = 'case.events'").all(
            decodingColumn: "wire",
            as: String.self
        )
        #expect(wire.count == 8)

        try await latvia.start()
        // Delivered in a random order with duplicates. An event may wait for earlier ones only in a
        // case Latvia holds, so what arrives before the case itself is refused as `awaiting_history`
        // and sent again in the next round, as the sender's outbox would.
        var pending = (wire + wire.prefix(4)).shuffled()
        var rounds = 0
        while !pending.isEmpty, rounds < wire.count + 1 {
            rounds += 1
            var refused: [String] = []
            for body in pending {
                let response = try await http(
                    .POST,
                    latvia.url + "/federation/v1/envelopes",
                    body: body,
                    headers: [("Content-Type", "application/json")]
                )
                if response.status == 409, response.json?["error"]?.stringValue == "awaiting_history" {
                    refused.append(body)
                } else {
                    #expect(response.status == 200, "\(response.body)")
                }
            }
            pending = refused
        }
        #expect(pending.isEmpty)
        let reference = try await est.state(caseID)
        let received = try await latvia.server.cases.state(caseID)
        #expect(received == reference)
        #expect(received.stage == .referred)
        #expect(received.waiting.isEmpty)
        #expect(try await latvia.server.store.caseEvents(caseID).count == 9)
        #expect(received == CaseState(id: caseID, events: try await latvia.server.store.caseEvents(caseID)), "the kept state is the refolded one")
    }

    /// Each event changes the case's state kept in memory: a case of many events, written by two
    /// nodes at once, is folded from the database once per node, not once per event, and the
    /// kept state is the one refolded from the database.
    @Test func aLongCaseIsNotRefoldedForEachEvent() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let caseID = try await estonia.server.cases.open(Self.report, by: Self.person).caseID
        try await estonia.server.cases.record(
            .notification(.init(participants: [Self.id("LVA")], message: "m", respondBy: Self.later(3600))),
            in: caseID,
            by: Self.person
        )
        try await everyoneAgrees([estonia, latvia], on: caseID, eventCount: 2)
        let loadsBefore = (estonia.server.store.cases.loads, latvia.server.store.cases.loads)
        for n in 0..<40 {
            let node = n.isMultiple(of: 2) ? estonia : latvia
            try await node.server.cases.record(
                .evidence(.init(description: "batch \(n)", indicators: [.init(type: "domain-name", value: "c\(n).example")], tlp: .amber)),
                in: caseID,
                by: Self.person
            )
        }
        try await everyoneAgrees([estonia, latvia], on: caseID, eventCount: 42)
        #expect(
            estonia.server.store.cases.loads == loadsBefore.0 && latvia.server.store.cases.loads == loadsBefore.1,
            "the case was folded from the database again while 40 events arrived"
        )
        for node in [estonia, latvia] {
            #expect(try await node.server.cases.state(caseID) == CaseState(id: caseID, events: try await node.server.store.caseEvents(caseID)))
        }
    }

    @Test func forgedAlteredAndUninvitedEventsAreRefused() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU", "FIN"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania, finland) = (federation["EST"], federation["LVA"], federation["LTU"], federation["FIN"])
        let caseID = try await estonia.server.cases.open(Self.report, by: Self.person).caseID
        try await estonia.server.cases.record(
            .notification(.init(participants: [Self.id("LVA"), Self.id("LTU")], message: "m", respondBy: Self.later(3600))),
            in: caseID,
            by: Self.person
        )
        try await eventually("LVA holds the case") { try await state(latvia, caseID) != nil }
        let heads = try await estonia.server.cases.state(caseID).heads
        let evidence = CaseAction.evidence(.init(description: "planted", indicators: [.init(type: "domain-name", value: "x.example")], tlp: .green))

        func send(_ events: [CaseEvent], from node: TestNode, to target: TestNode) async throws -> HTTPExchange {
            let envelope = try Envelope.seal(
                payload: ["events": .array(events.map(\.document))],
                type: CaseEnvelopes.envelopeType,
                from: node.id,
                signingKey: node.server.identity.keys.signing,
                to: [(target.id, target.server.identity.keys.agreement.publicKey)],
                tlp: .amber,
                exercise: true
            )
            return try await http(
                .POST,
                target.url + "/federation/v1/envelopes",
                body: envelope.json.canonicalString,
                headers: [("Content-Type", "application/json")]
            )
        }
        func expectRefused(_ response: HTTPExchange, _ code: String) async throws {
            #expect(response.json?["error"]?.stringValue == code, "\(response.status) \(response.body)")
            #expect(try await estonia.server.store.caseEvents(caseID).count == 2, "nothing was stored")
        }

        // Finland, never invited, writes into the case.
        let intruder = try CaseEvent.sign(
            evidence,
            caseID: caseID,
            owner: estonia.id,
            author: finland.id,
            after: heads,
            by: Self.person,
            key: finland.server.identity.keys.signing
        )
        try await expectRefused(try await send([intruder], from: finland, to: estonia), "not_a_participant")

        // Latvia's event, altered after it was signed.
        let genuine = try CaseEvent.sign(
            evidence,
            caseID: caseID,
            owner: estonia.id,
            author: latvia.id,
            after: heads,
            by: Self.person,
            key: latvia.server.identity.keys.signing
        )
        guard case .object(var members) = genuine.document else { return }
        members["body"] = ["description": "altered", "files": [], "indicators": [["type": "domain-name", "value": "y.example"]], "tlp": "green"]
        try await expectRefused(try await send([try CaseEvent(document: .object(members))], from: latvia, to: estonia), "bad_signature")

        // An event claiming to be Latvia's, signed by Lithuania's key.
        let forged = try CaseEvent.sign(
            evidence,
            caseID: caseID,
            owner: estonia.id,
            author: latvia.id,
            after: heads,
            by: Self.person,
            key: lithuania.server.identity.keys.signing
        )
        try await expectRefused(try await send([forged], from: latvia, to: estonia), "bad_signature")

        // Lithuania relaying Latvia's genuine event: only authors and the owner carry events.
        try await expectRefused(try await send([genuine], from: lithuania, to: estonia), "malformed")

        // The genuine event itself is accepted.
        #expect(try await send([genuine], from: latvia, to: estonia).status == 200)
        #expect(try await estonia.server.store.caseEvents(caseID).count == 3)
    }

    @Test func overdueRequestsEscalateOnceToTheDiplomaticDesk() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let caseID = try await estonia.server.cases.open(Self.report, by: Self.person).caseID
        try await estonia.server.cases.record(
            .notification(.init(participants: [Self.id("LVA")], message: "m", respondBy: Self.later(3600))),
            in: caseID,
            by: Self.person
        )
        let request = try await estonia.server.cases.record(
            .request(
                .init(
                    to: [Self.id("LVA")],
                    asks: [.logs],
                    details: "d",
                    dueBy: Self.later(600),
                    desk: .technical
                )
            ),
            in: caseID,
            by: Self.person
        )
        try await eventually("LVA holds the request") { try await state(latvia, caseID)?.requests.count == 1 }

        let policy = CaseEscalationPolicy(after: .seconds(60))
        #expect(try await latvia.server.cases.escalateOverdue(policy, now: Date().addingTimeInterval(630)).isEmpty, "within the grace period")
        let raised = try await latvia.server.cases.escalateOverdue(policy, now: Date().addingTimeInterval(700))
        #expect(raised.map(\.itemID) == ["\(request.id)/LVA"])
        #expect(try await latvia.server.cases.escalateOverdue(policy, now: Date().addingTimeInterval(800)).isEmpty, "raised once")
        // Estonia sees the item overdue too, but it is not Estonia's to escalate.
        #expect(try await estonia.server.cases.escalateOverdue(policy, now: Date().addingTimeInterval(700)).isEmpty)
        let due = try await estonia.server.cases.state(caseID).dueItems.first { $0.kind == .response }
        #expect(due?.isOverdue(atMilliseconds: Date().addingTimeInterval(700).unixMilliseconds) == true)
    }
}
