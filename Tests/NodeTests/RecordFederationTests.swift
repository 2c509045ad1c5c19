import EntenteProtocol
import Federation
import Foundation
import Hotline
import Multilateral
import Testing

@testable import Node

/// The multilateral record across real nodes on loopback: forums and votes, agreements
/// driving hotline deadlines, and drills with their after-action report.
@Suite("The multilateral record across nodes", .serialized)
struct RecordFederationTests {
    static let delegate = Person(name: "Delegate", role: "diplomatic-poc")
    static func id(_ text: String) -> ParticipantID { ParticipantID(text)! }

    /// Envelopes written with a `now` in the future wait in the outbox until then; send them now.
    func deliverNow(from node: TestNode, to recipients: [TestNode]) async throws {
        for recipient in recipients { try await node.service.store.retryOutboxNow(recipient: recipient.id.rawValue, now: Date()) }
        await node.service.outbox.wake()
    }

    @Test func aForumVoteIsTheSameOnEveryMemberAndVerifiesOffline() async throws {
        let federation = try await TestFederation.start(["OSCE", "EST", "LVA", "LTU", "FIN"])
        defer { Task { await federation.stop() } }
        let (osce, estonia, latvia, lithuania, finland) = (
            federation["OSCE"], federation["EST"], federation["LVA"], federation["LTU"], federation["FIN"]
        )
        let t0 = Date().addingTimeInterval(-5)
        func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

        let charter = ForumCharter(name: "Informal Working Group", mandate: "Cyber CBMs", members: [Self.id("EST"), Self.id("LVA"), Self.id("LTU")])
        let forumID = try await osce.server.records.write(.forum, body: try charter.json, in: nil, by: Self.delegate, now: at(0)).id
        try await eventually("the members hold the forum") {
            for node in [estonia, latvia, lithuania] where (try? await node.server.records.forum(forumID)) == nil { return false }
            return true
        }
        let space = RecordSpace.forum(forumID)
        let proposal = Proposal(title: "Statement on the bank ransomware", category: .statement, text: "We express concern and call for restraint.")
        let proposalID = try await estonia.server.records.write(.proposal, body: try proposal.json, in: space, by: Self.delegate, now: at(1)).id
        try await eventually("LVA sees the proposal") { try await latvia.server.records.forum(forumID).proposal(proposalID) != nil }
        let amendment = Amendment(proposal: proposalID, baseVersion: 1, text: "We condemn the attack and call for restraint.", rationale: "clearer")
        let amendmentID = try await latvia.server.records.write(.amendment, body: try amendment.json, in: space, by: Self.delegate, now: at(2)).id
        try await eventually("the chair sees the amendment") {
            try await osce.server.records.forum(forumID).proposal(proposalID)?.amendments.count == 1
        }
        try await osce.server.records.write(
            .amendmentDecision,
            body: try AmendmentDecision(amendment: amendmentID, accepted: true).json,
            in: space,
            by: Self.delegate,
            now: at(3)
        )
        let version = try await osce.server.records.forum(forumID).proposal(proposalID)!.current
        #expect(version.number == 2)
        let call = VoteCall(
            proposal: proposalID,
            version: 2,
            textDigest: version.digest,
            rule: DecisionRule(method: .twoThirds, quorumPercent: 50),
            deadline: Timestamp.format(at(60))
        )
        let callID = try await osce.server.records.write(.voteCall, body: try call.json, in: space, by: Self.delegate, now: at(4)).id
        try await eventually("every member sees the vote") {
            for node in [estonia, latvia, lithuania] where try await node.server.records.forum(forumID).proposal(proposalID)?.call == nil {
                return false
            }
            return true
        }
        try await estonia.server.records.vote(in: forumID, call: callID, choice: .yes, by: Self.delegate, now: at(10))
        try await latvia.server.records.vote(in: forumID, call: callID, choice: .yes, by: Self.delegate, now: at(11))
        try await lithuania.server.records.vote(in: forumID, call: callID, choice: .no, by: Self.delegate, now: at(12))

        // A second ballot and a late one are refused where they are cast; a non-member has no forum to vote in.
        await #expect(throws: ServiceFailure.self) {
            try await estonia.server.records.vote(in: forumID, call: callID, choice: .no, by: Self.delegate, now: at(13))
        }
        await #expect(throws: ServiceFailure.self) {
            try await lithuania.server.records.vote(in: forumID, call: callID, choice: .yes, by: Self.delegate, now: at(61))
        }
        await #expect(throws: ServiceFailure.self) {
            try await finland.server.records.vote(in: forumID, call: callID, choice: .no, by: Self.delegate, now: at(14))
        }
        await #expect(throws: ServiceFailure.self) {
            try await osce.server.records.publishResult(in: forumID, call: callID, by: Self.delegate, now: at(30))
        }

        for member in [estonia, latvia, lithuania] {
            try await deliverNow(from: member, to: [osce, estonia, latvia, lithuania].filter { $0 !== member })
        }
        try await eventually("the chair holds the three ballots") {
            try await osce.server.records.forum(forumID).proposal(proposalID)?.ballots.count == 3
        }
        try await osce.server.records.publishResult(in: forumID, call: callID, by: Self.delegate, now: at(61))
        try await deliverNow(from: osce, to: [estonia, latvia, lithuania])
        try await eventually("every member holds the result") {
            for node in [osce, estonia, latvia, lithuania] where try await node.server.records.forum(forumID).proposal(proposalID)?.result == nil {
                return false
            }
            return true
        }
        for node in [osce, estonia, latvia, lithuania] {
            let tally = try await node.server.records.forum(forumID).proposal(proposalID)?.result?.tally
            #expect(tally?.outcome == .adopted && tally?.yes == 2 && tally?.no == 1, "\(node.id)")
        }
        let file = try await latvia.server.records.resultFile(in: forumID, call: callID).fileBytes
        let verified = try VoteResult(verifying: file)
        #expect(verified.ballots.count == 3)
        #expect(try await finland.server.store.recordEntries(in: space).isEmpty, "a non-member receives nothing")

        // Finland forges its way in with a ballot of its own: refused at the door.
        let intruder = try RecordEntry.sign(
            .ballot,
            body: try Ballot(call: callID, textDigest: version.digest, choice: .no).json,
            in: space,
            author: finland.id,
            by: Self.delegate,
            key: finland.server.identity.keys.signing,
            now: at(20)
        )
        let envelope = try Envelope.seal(
            payload: ["entries": [intruder.document]],
            type: RecordEnvelopes.envelopeType,
            from: finland.id,
            signingKey: finland.server.identity.keys.signing,
            to: [(osce.id, osce.server.identity.keys.agreement.publicKey)],
            tlp: .amber,
            exercise: false
        )
        let response = try await http(
            .POST,
            osce.url + "/federation/v1/envelopes",
            body: envelope.json.canonicalString,
            headers: [("Content-Type", "application/json")]
        )
        #expect(response.json?["error"]?.stringValue == "not_a_participant", "\(response.body)")
    }

    @Test func anAgreementsObligationsSetDeadlinesBetweenItsPartiesOnly() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania) = (federation["EST"], federation["LVA"], federation["LTU"])
        let text = AgreementText(
            title: "Baltic hotline arrangement",
            text: "Urgent notifications are acknowledged within 30 minutes.",
            parties: [estonia.id, latvia.id],
            obligations: [Obligation(kind: .acknowledge, priority: .urgent, withinSeconds: 1800, description: "urgent within 30 minutes")]
        )
        let agreementID = try await estonia.server.records.write(.agreement, body: try text.json, in: nil, by: Self.delegate).id
        try await estonia.server.records.signAgreement(agreementID, by: Self.delegate)
        try await eventually("LVA holds the agreement") { (try? await latvia.server.records.agreement(agreementID)) != nil }

        func deadlines(from sender: TestNode, to recipients: [TestNode], priority: Priority = .urgent) async throws -> [ParticipantID: TimeInterval] {
            let now = Date()
            let ids = try await sender.service.send(
                .init(to: recipients.map(\.id), template: .freeText, priority: priority, subject: "Test"),
                composedBy: nil,
                role: .diplomaticPOC,
                now: now
            )
            var result: [ParticipantID: TimeInterval] = [:]
            for id in ids {
                let message = try await sender.service.store.message(id)!
                for recipient in message.recipients { result[ParticipantID(recipient)!] = message.acknowledgeBy.timeIntervalSince(now).rounded() }
            }
            return result
        }

        // Signed by one party only: not in force.
        #expect(try await deadlines(from: estonia, to: [latvia]) == [latvia.id: 7200])
        try await latvia.server.records.signAgreement(agreementID, by: Self.delegate)
        try await eventually("EST sees the agreement in force") { try await estonia.server.records.agreement(agreementID).isInForce }

        #expect(try await deadlines(from: estonia, to: [latvia, lithuania]) == [latvia.id: 1800, lithuania.id: 7200])
        #expect(try await deadlines(from: latvia, to: [estonia]) == [estonia.id: 1800])
        #expect(try await deadlines(from: lithuania, to: [latvia, estonia]) == [latvia.id: 7200, estonia.id: 7200])
        #expect(try await deadlines(from: estonia, to: [latvia], priority: .flash) == [latvia.id: 900], "no obligation for flash")

        // The receiving party sees the agreed deadline too.
        let sent = try await estonia.service.send(
            .init(to: [latvia.id], template: .freeText, priority: .urgent, subject: "Agreed deadline"),
            composedBy: nil,
            role: .diplomaticPOC
        )
        try await eventually("LVA holds the message") { try await latvia.service.store.message(sent[0]) != nil }
        let received = try await latvia.service.store.message(sent[0])!
        let outgoing = try await estonia.service.store.message(sent[0])!
        #expect(received.acknowledgeBy == outgoing.acknowledgeBy)
        #expect(received.acknowledgeBy.timeIntervalSince(outgoing.sentAt).rounded() == 1800)
    }

    @Test func aDrillsInjectsGoOutOnTimeMarkedAsExerciseAndTheReportMatches() async throws {
        let federation = try await TestFederation.start(["OSCE", "EST", "LVA"]) { $0.options.drillCheckInterval = .seconds(3600) }
        defer { Task { await federation.stop() } }
        let (osce, estonia, latvia) = (federation["OSCE"], federation["EST"], federation["LVA"])
        let t0 = Date()
        func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
        let scenario = DrillScenario(
            name: "Baltic power-grid drill",
            injects: [
                .init(
                    offsetSeconds: 0,
                    to: [estonia.id, latvia.id],
                    priority: .urgent,
                    subject: "Inject 1: grid operator reports intrusion",
                    body: "Acknowledge."
                ),
                .init(offsetSeconds: 600, to: [estonia.id], priority: .flash, subject: "Inject 2: outage spreading", body: "Acknowledge at once."),
            ]
        )
        let drills = DrillService(hotline: osce.server.service)
        let drillID = try await drills.create(scenario, startIn: .seconds(0), createdBy: "exercise director", now: t0)

        #expect(try await drills.sendDueInjects(now: at(0)) == 2)
        #expect(try await drills.sendDueInjects(now: at(599)) == 0, "inject 2 is not due yet")
        var drill = try await drills.drill(drillID)
        let first = drill.report.deliveries.filter { $0.inject == 1 }
        #expect(first.allSatisfy { $0.sentAt == t0.unixMilliseconds })
        let messageTo = Dictionary(uniqueKeysWithValues: first.map { ($0.recipient, $0.messageID!) })

        try await eventually("both participants hold inject 1, marked as exercise") {
            for node in [estonia, latvia] {
                guard let message = try await node.service.store.message(messageTo[node.id]!), message.exercise else { return false }
            }
            return true
        }
        try await estonia.service.acknowledge(messageTo[estonia.id]!, by: "Kadri", role: "technical-poc", now: at(30))
        try await latvia.service.acknowledge(messageTo[latvia.id]!, by: "Janis", role: "technical-poc", now: at(95))
        try await deliverNow(from: estonia, to: [osce])
        try await deliverNow(from: latvia, to: [osce])

        #expect(try await drills.sendDueInjects(now: at(601)) == 1)
        drill = try await drills.drill(drillID)
        let second = drill.report.deliveries.first { $0.inject == 2 }!
        #expect(second.sendDelayMilliseconds == 1000)
        try await deliverNow(from: osce, to: [estonia])
        try await eventually("EST holds inject 2") { try await estonia.service.store.message(second.messageID!)?.exercise == true }
        try await estonia.service.acknowledge(second.messageID!, by: "Kadri", role: "technical-poc", now: at(601 + 1200))
        try await deliverNow(from: estonia, to: [osce])

        try await eventually("the organiser has every acknowledgement") { try await drills.drill(drillID).report.answered == 3 }
        drill = try await drills.drill(drillID)
        let response = Dictionary(uniqueKeysWithValues: drill.report.deliveries.map { ("\($0.inject)-\($0.recipient)", $0.responseMilliseconds) })
        #expect(response == ["1-EST": 30_000, "1-LVA": 95_000, "2-EST": 1_200_000])
        let est = drill.report.participants.first { $0.participant == estonia.id }!
        #expect((est.answered, est.answeredInTime) == (2, 1), "flash inject 2 answered after its 15 minutes")
        #expect(drill.report.deliveries.allSatisfy { $0.messageID != nil })
    }
}
