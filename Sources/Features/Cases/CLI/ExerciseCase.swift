import Cases
import EntenteProtocol
import Foundation
import Node

/// The demo's incident, played through every step by the nodes themselves:
/// Estonia suffers ransomware at two banks with command servers in Latvia,
/// consults Latvia, brings the OSCE in, and the parties agree on follow-up.
/// Everything is marked as an exercise. Finland is never invited.
struct ExerciseCase {
    let servers: [NodeServer]

    func server(_ id: String) -> NodeServer { servers.first { $0.identity.id.rawValue == id }! }
    func person(_ id: String, _ title: String, _ role: String) -> CaseEvent.Person { .init(name: "\(id) \(title)", role: role) }
    func due(_ seconds: TimeInterval) -> String { Timestamp.format(Date().addingTimeInterval(seconds)) }
    static let eventCount = 18

    /// Plays the case once per demo data directory; returns its id.
    func play() async throws -> String {
        let estonia = server("EST").cases
        let latvia = server("LVA").cases
        let lithuania = server("LTU").cases
        let osce = server("OSCE").cases
        if let existing = try await estonia.cases(limit: 1).first { return existing.id }
        let estDiplomat = person("EST", "Diplomatic POC", "diplomatic-poc")
        let estCERT = person("EST", "CERT duty officer", "technical-poc")
        let lvaDiplomat = person("LVA", "Diplomatic POC", "diplomatic-poc")
        let lvaCERT = person("LVA", "CERT duty officer", "technical-poc")
        let id = { (text: String) in ParticipantID(text)! }

        // 1. Contact through the Points of Contact.
        let caseID = try await estonia.open(
            .init(
                title: "EXERCISE: ransomware at two banks",
                summary:
                    "Exercise. Core banking servers of two banks encrypted since 05:40 UTC; card payments degraded nationwide. Command-and-control servers resolve to hosting in Latvia.",
                sectors: [.banking, .financialMarketInfrastructure],
                impact: .severe,
                firstSeen: due(-3 * 3600),
                status: .ongoing,
                tlp: .amber,
                exercise: true
            ),
            by: estCERT
        ).caseID
        let notification = try await estonia.record(
            .notification(
                .init(
                    participants: [id("LVA"), id("LTU")],
                    message: "We are concerned that servers in Latvia are used in this attack and ask for your help to stop it.",
                    respondBy: due(2 * 3600)
                )
            ),
            in: caseID,
            by: estDiplomat
        )
        try await waitUntil(latvia, holds: notification.id, in: caseID)
        try await latvia.record(.acknowledgement(.init(notification: notification.id)), in: caseID, by: lvaDiplomat)
        try await waitUntil(lithuania, holds: notification.id, in: caseID)
        try await lithuania.record(
            .acknowledgement(.init(notification: notification.id)),
            in: caseID,
            by: person("LTU", "Diplomatic POC", "diplomatic-poc")
        )

        // 2. Bilateral consultation and cooperation.
        let request = try await estonia.record(
            .request(
                .init(
                    to: [id("LVA")],
                    asks: [.logs, .takedown, .investigation],
                    details: "Logs for 198.51.100.7 and 198.51.100.23 since 1 November; take the servers down.",
                    dueBy: due(24 * 3600),
                    desk: .technical
                )
            ),
            in: caseID,
            by: estCERT
        )
        try await waitUntil(latvia, holds: request.id, in: caseID)
        try await latvia.record(
            .response(
                .init(
                    request: request.id,
                    decision: .partial,
                    content: "Servers isolated by the hosting provider; logs attached; investigation opened by the State Police."
                )
            ),
            in: caseID,
            by: lvaCERT
        )
        try await latvia.record(
            .evidence(
                .init(
                    description: "Netflow and hosting records of the command servers",
                    files: [
                        .init(name: "netflow-2026-11.csv.gz", sha256: "9f2c1d7e5b3a48c6d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7", tlp: .amber)
                    ],
                    indicators: [
                        .init(type: "ipv4-addr", value: "198.51.100.7"), .init(type: "ipv4-addr", value: "198.51.100.23"),
                        .init(type: "domain-name", value: "update-check.example"),
                    ],
                    tlp: .amber
                )
            ),
            in: caseID,
            by: lvaCERT
        )
        try await estonia.record(
            .consultation(
                .init(
                    with: [id("LVA")],
                    heldAt: Timestamp.format(Date()),
                    minutes:
                        "Video call of the two cyber desks and CERTs. Latvia shares the hosting records; both sides agree to keep public statements coordinated.",
                    outcome: "Joint investigation; coordinated communication."
                )
            ),
            in: caseID,
            by: estDiplomat
        )

        // 3. The multilateral forum.
        let invitation = try await estonia.record(
            .notification(
                .init(
                    participants: [id("OSCE")],
                    message: "For the attention of the Permanent Council.",
                    respondBy: due(24 * 3600)
                )
            ),
            in: caseID,
            by: estDiplomat
        )
        try await waitUntil(osce, holds: invitation.id, in: caseID)
        try await osce.record(
            .acknowledgement(.init(notification: invitation.id)),
            in: caseID,
            by: person("OSCE", "Secretariat duty officer", "diplomatic-poc")
        )
        try await estonia.record(
            .referral(.init(forum: "OSCE Permanent Council", reason: "Seek support for a joint statement and for the use of the cyber CBMs.")),
            in: caseID,
            by: estDiplomat
        )
        let attribution = try await estonia.record(
            .attribution(
                .init(
                    actor: .init(kind: .stateLinkedGroup, name: "EXERCISE BEAR"),
                    basis: [.technical, .intelligence],
                    likelihood: .likely,
                    confidence: .moderate,
                    summary: "Tooling, infrastructure and working hours overlap with earlier EXERCISE BEAR operations."
                )
            ),
            in: caseID,
            by: estDiplomat
        )
        let statement = try await estonia.propose(
            .init(
                title: "Joint statement on the ransomware attack against Estonian banks (EXERCISE)",
                text:
                    "We condemn the ransomware attack against the financial sector of Estonia and call on all states to act in accordance with the norms of responsible state behaviour, in particular norm 13 (f) and (h) of the 2015 GGE report.",
                attribution: attribution.id
            ),
            in: caseID,
            by: estDiplomat
        )
        for cosigner in [latvia, lithuania] {
            try await waitUntil(cosigner, holds: statement.id, in: caseID)
            try await cosigner.cosign(
                statement: statement.id,
                in: caseID,
                by: person(cosigner.identity.id.rawValue, "Diplomatic POC", "diplomatic-poc")
            )
        }

        // 4. Agreement, 5. follow-up.
        try await estonia.record(
            .resolution(.init(outcome: "Command servers taken down; both CERTs adopt a joint protocol for ransomware incidents.")),
            in: caseID,
            by: estDiplomat
        )
        try await estonia.record(
            .followUp(
                .init(actions: [
                    .init(id: "training", action: "Joint incident-response training of the two CERTs", owner: id("LVA"), dueBy: due(30 * 86_400)),
                    .init(id: "hotline-check", action: "Monthly communication check on the hotline", owner: id("EST"), dueBy: due(7 * 86_400)),
                ])
            ),
            in: caseID,
            by: estDiplomat
        )
        return caseID
    }

    func waitUntil(_ node: CaseService, holds eventID: String, in caseID: String) async throws {
        let deadline = Date().addingTimeInterval(60)
        while (try? await node.state(caseID))?.timeline.contains(where: { $0.event.id == eventID }) != true {
            guard Date() < deadline else { throw ExitError("\(node.identity.id) did not receive event \(eventID) within 60 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func waitUntilEveryParticipantAgrees(on caseID: String) async throws {
        let deadline = Date().addingTimeInterval(60)
        let participants = ["EST", "LVA", "LTU", "OSCE"].map(server)
        while true {
            var states: [CaseState] = []
            for node in participants { if let state = try? await node.cases.state(caseID) { states.append(state) } }
            if states.count == participants.count, states.allSatisfy({ $0 == states[0] && $0.timeline.count == Self.eventCount }) { return }
            guard Date() < deadline else { throw ExitError("the exercise case did not reach every participant within 60 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
