import EntenteProtocol
import Foundation
import Hotline
import Multilateral
import Node

/// The demo's multilateral record, played by the nodes themselves: the OSCE's working group
/// adopts a statement on the exercise case by silence procedure (with an amendment on the way)
/// and keeps a norm proposal open for a vote; Estonia and Latvia sign a hotline agreement;
/// states record commitments, CBM implementation and capacity-building needs; the OSCE runs a drill.
struct ExerciseRecord {
    let servers: [NodeServer]
    let caseID: String

    func server(_ id: String) -> NodeServer { servers.first { $0.identity.id.rawValue == id }! }
    func records(_ id: String) -> RecordService { server(id).records }
    func delegate(_ id: String) -> Person { Person(name: "\(id) Diplomatic POC", role: "diplomatic-poc") }
    static let members = ["EST", "LVA", "LTU", "FIN"]
    /// How long the silence procedure on the statement runs before the chair publishes its result.
    static let silence: TimeInterval = 5

    /// Plays the record once per demo data directory; returns the forum's id.
    func play() async throws -> String {
        if let existing = try await records("OSCE").forums().first { return existing.id }
        let id = { (text: String) in ParticipantID(text)! }
        let forumID = try await records("OSCE").write(
            .forum,
            body: try ForumCharter(
                name: "OSCE Informal Working Group (exercise)",
                mandate: "Exercise. Statements, norms and confidence-building measures on ICT security.",
                members: Self.members.map(id)
            ).json,
            in: nil,
            by: delegate("OSCE")
        ).id
        let space = RecordSpace.forum(forumID)
        try await waitUntil("the members hold the forum") { try await everyMember({ _ in true }, in: forumID) }

        // A statement on the exercise case: tabled, amended, adopted by silence procedure.
        let statement = try await records("EST").write(
            .proposal,
            body: try Proposal(
                title: "EXERCISE: statement on the ransomware attack on two banks",
                category: .statement,
                text: "The participating States express concern about the ransomware attack on two banks and call on all States to act responsibly.",
                caseReference: caseID
            ).json,
            in: space,
            by: delegate("EST")
        ).id
        try await waitUntil("Latvia sees the statement") { try await records("LVA").forum(forumID).proposal(statement) != nil }
        let amendment = try await records("LVA").write(
            .amendment,
            body: try Amendment(
                proposal: statement,
                baseVersion: 1,
                text:
                    "The participating States condemn the ransomware attack on two banks, recall norm 13(f) of the 2015 GGE report and call on all States to act responsibly.",
                rationale: "Name the norm at stake."
            ).json,
            in: space,
            by: delegate("LVA")
        ).id
        try await waitUntil("the chair sees the amendment") {
            try await records("OSCE").forum(forumID).proposal(statement)?.amendments.isEmpty == false
        }
        try await records("OSCE").write(
            .amendmentDecision,
            body: try AmendmentDecision(amendment: amendment, accepted: true).json,
            in: space,
            by: delegate("OSCE")
        )
        let version = try await records("OSCE").forum(forumID).proposal(statement)!.current
        let deadline = Date().addingTimeInterval(Self.silence)
        let call = try await records("OSCE").write(
            .voteCall,
            body: try VoteCall(
                proposal: statement,
                version: version.number,
                textDigest: version.digest,
                rule: .silenceProcedure,
                deadline: Timestamp.format(deadline)
            ).json,
            in: space,
            by: delegate("OSCE")
        ).id

        // A norm proposal left open for a week, for people to vote on in the browser.
        let norm = try await records("FIN").write(
            .proposal,
            body: try Proposal(
                title: "Proposed norm: protect healthcare from ICT attacks",
                category: .norm,
                text:
                    "States should not conduct or knowingly support ICT activity that damages healthcare facilities, and should assist each other in protecting them."
            ).json,
            in: space,
            by: delegate("FIN")
        ).id
        try await waitUntil("the chair sees the norm proposal") { try await records("OSCE").forum(forumID).proposal(norm) != nil }
        let normText = try await records("OSCE").forum(forumID).proposal(norm)!.current
        let normCall = try await records("OSCE").write(
            .voteCall,
            body: try VoteCall(
                proposal: norm,
                version: 1,
                textDigest: normText.digest,
                rule: DecisionRule(method: .simpleMajority, quorumPercent: 50),
                deadline: Timestamp.format(Date().addingTimeInterval(7 * 86_400))
            ).json,
            in: space,
            by: delegate("OSCE")
        ).id
        try await waitUntil("Finland sees the norm vote") { try await records("FIN").forum(forumID).proposal(norm)?.call != nil }
        try await records("FIN").vote(in: forumID, call: normCall, choice: .yes, by: delegate("FIN"))

        try await recordTheRest()

        // The silence holds: the chair publishes the result after the deadline.
        try await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSinceNow) + 0.5))
        try await records("OSCE").publishResult(in: forumID, call: call, by: delegate("OSCE"))
        return forumID
    }

    /// Agreements, norms, CBMs, capacity building and a drill.
    private func recordTheRest() async throws {
        let id = { (text: String) in ParticipantID(text)! }
        let agreement = try await records("EST").write(
            .agreement,
            body: try AgreementText(
                title: "EXERCISE: Estonia–Latvia hotline arrangement",
                text:
                    "The parties acknowledge each other's flash messages within 10 minutes and urgent messages within 30 minutes, and notify incidents affecting the other's critical infrastructure within 24 hours.",
                parties: [id("EST"), id("LVA")],
                obligations: [
                    Obligation(kind: .acknowledge, priority: .flash, withinSeconds: 600, description: "flash within 10 minutes"),
                    Obligation(kind: .acknowledge, priority: .urgent, withinSeconds: 1800, description: "urgent within 30 minutes"),
                    Obligation(
                        kind: .notifyIncident,
                        withinSeconds: 86_400,
                        description: "incidents affecting the other's critical infrastructure within 24 hours"
                    ),
                ]
            ).json,
            in: nil,
            by: delegate("EST")
        ).id
        try await records("EST").signAgreement(agreement, by: delegate("EST"))
        try await waitUntil("Latvia holds the agreement") { (try? await records("LVA").agreement(agreement)) != nil }
        try await records("LVA").signAgreement(agreement, by: delegate("LVA"))

        for state in Self.members {
            for norm in NormCatalogue.shipped where norm.code.hasPrefix("gge2015-13") {
                try await records(state).write(
                    .commitment,
                    body: try Commitment(norm: norm.code, date: "2015-12-23", document: "UN General Assembly resolution 70/237").json,
                    in: .publicRecord,
                    by: delegate(state)
                )
            }
        }
        for norm in NormCatalogue.shipped where norm.code.hasPrefix("paris-") {
            try await records("FIN").write(
                .commitment,
                body: try Commitment(norm: norm.code, date: "2018-11-12", document: "Paris Call endorsement").json,
                in: .publicRecord,
                by: delegate("FIN")
            )
        }
        try await records("EST").write(
            .allegation,
            body: try Allegation(
                norm: "gge2015-13f",
                caseReference: caseID,
                against: "EXERCISE BEAR (state-linked group)",
                note: "Exercise: banks providing services to the public impaired."
            ).json,
            in: .publicRecord,
            by: delegate("EST")
        )

        let statuses: [(String, Int, MeasureStatus.Status, String)] = [
            ("EST", 8, .implemented, "Points of Contact registered with the OSCE; answered every communication check this year."),
            ("LVA", 8, .implemented, "Points of Contact registered with the OSCE."),
            ("LTU", 8, .implemented, "Points of Contact registered with the OSCE."),
            ("FIN", 8, .inProgress, "Technical Point of Contact being nominated."),
            ("EST", 1, .implemented, "National cyber security strategy 2024–2030 shared."),
            ("LVA", 16, .planned, "Coordinated vulnerability disclosure policy in preparation."),
        ]
        for (state, measure, status, evidence) in statuses {
            try await records(state).write(
                .cbmStatus,
                body: try MeasureStatus(measure: measure, status: status, evidence: evidence).json,
                in: .publicRecord,
                by: delegate(state)
            )
        }

        let request = try await records("LTU").write(
            .capacityRequest,
            body: try CapacityRequest(
                topic: .incidentManagement,
                region: .europe,
                languages: ["lt", "en"],
                format: .inPerson,
                funding: .funded,
                description: "Ransomware incident handling for the national CERT's new analysts."
            ).json,
            in: .publicRecord,
            by: delegate("LTU")
        ).id
        let offer = try await records("FIN").write(
            .capacityOffer,
            body: try CapacityOffer(
                topics: [.incidentManagement, .cultureAndSkills],
                regions: [.europe],
                languages: ["en", "fi", "sv"],
                formats: [.inPerson, .hybrid],
                funding: .funded,
                description: "Two-week incident-response course at the national cyber security centre, travel funded."
            ).json,
            in: .publicRecord,
            by: delegate("FIN")
        ).id
        try await waitUntil("Lithuania sees Finland's offer") { try await records("LTU").publicRecord().offers.contains { $0.id == offer } }
        let match = try await records("LTU").write(
            .capacityMatch,
            body: try CapacityMatch(request: request, offer: offer).json,
            in: .publicRecord,
            by: delegate("LTU")
        ).id
        try await waitUntil("Finland sees the match") { try await records("FIN").publicRecord().matches.contains { $0.id == match } }
        try await records("FIN").write(
            .capacityProgress,
            body: try CapacityProgress(match: match, status: .agreed, note: "Course in March.").json,
            in: .publicRecord,
            by: delegate("FIN")
        )

        _ = try await DrillService(hotline: server("OSCE").service).create(
            DrillScenario(
                name: "EXERCISE: Baltic communication drill",
                injects: [
                    .init(
                        offsetSeconds: 0,
                        to: [id("EST"), id("LVA"), id("LTU")],
                        priority: .urgent,
                        subject: "EXERCISE inject 1: power-grid operator reports intrusion",
                        body: "Exercise. Acknowledge and state your desk's first action."
                    ),
                    .init(
                        offsetSeconds: 300,
                        to: [id("EST"), id("LVA"), id("LTU")],
                        priority: .flash,
                        subject: "EXERCISE inject 2: outages spreading across borders",
                        body: "Exercise. Acknowledge at once."
                    ),
                ]
            ),
            startIn: .seconds(0),
            createdBy: "OSCE exercise director"
        )
    }

    /// Whether every member's node satisfies `condition` on the forum.
    func everyMember(_ condition: (ForumState) async throws -> Bool, in forumID: String) async throws -> Bool {
        for member in Self.members {
            guard let forum = try? await records(member).forum(forumID), try await condition(forum) else { return false }
        }
        return true
    }

    func waitUntilEveryMemberHoldsTheResult(of forumID: String) async throws {
        try await waitUntil("every member holds the statement's result") {
            try await everyMember({ forum in forum.proposals.contains { $0.result != nil } }, in: forumID)
        }
    }

    func waitUntil(_ description: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(60)
        while try await !condition() {
            guard Date() < deadline else { throw ExitError("the demo's record: \(description) did not happen within 60 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
