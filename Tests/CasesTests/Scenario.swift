import Cases
import Crypto
import EntenteProtocol
import Foundation

/// Participants with their own keys writing events into one case, each seeing the
/// whole history so far — the way nodes write events, without the network.
struct Scenario {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)
    let nodeKeys: [ParticipantID: NodeKeys]
    var keys: [ParticipantID: Curve25519.Signing.PrivateKey] { nodeKeys.mapValues(\.signing) }
    private(set) var events: [CaseEvent] = []
    private(set) var clock = start

    init(_ ids: [String]) {
        nodeKeys = Dictionary(uniqueKeysWithValues: ids.map { (ParticipantID($0)!, NodeKeys()) })
    }

    var caseID: String { events.first!.caseID }
    var owner: ParticipantID { events.first!.author }
    var state: CaseState { CaseState(id: caseID, events: events) }

    static func id(_ text: String) -> ParticipantID { ParticipantID(text)! }
    func time(after seconds: TimeInterval) -> String { Timestamp.format(clock.addingTimeInterval(seconds)) }

    /// Signs `action` as `author` after the current heads; does not check the state machine.
    @discardableResult
    mutating func write(_ author: String, _ action: CaseAction) throws -> CaseEvent {
        clock = clock.addingTimeInterval(60)
        let author = Self.id(author)
        let event = try CaseEvent.sign(
            action,
            caseID: events.first?.caseID,
            owner: events.first?.author ?? author,
            author: author,
            after: events.isEmpty ? [] : state.heads,
            by: .init(name: "Officer of \(author)", role: "diplomatic-poc"),
            key: keys[author]!,
            now: clock
        )
        events.append(event)
        return event
    }

    static func report(exercise: Bool = true) -> CaseAction {
        .report(
            .init(
                title: "Ransomware in the banking sector",
                summary: "Core banking systems of two banks encrypted.",
                sectors: [.banking, .financialMarketInfrastructure],
                impact: .severe,
                firstSeen: Timestamp.format(start),
                status: .ongoing,
                tlp: .amber,
                exercise: exercise
            )
        )
    }

    /// The five steps between EST (owner), LVA and LTU, ending in follow-up.
    static func fullStory() throws -> Scenario {
        var story = Scenario(["EST", "LVA", "LTU", "OSCE"])
        try story.write("EST", report())
        let notification = try story.write(
            "EST",
            .notification(
                .init(
                    participants: [id("LVA"), id("LTU")],
                    message: "We see command servers in your networks.",
                    respondBy: story.time(after: 7200)
                )
            )
        )
        try story.write("LVA", .acknowledgement(.init(notification: notification.id)))
        let request = try story.write(
            "EST",
            .request(
                .init(
                    to: [id("LVA")],
                    asks: [.logs, .takedown],
                    details: "Logs of 198.51.100.7 since 1 November.",
                    dueBy: story.time(after: 86_400)
                )
            )
        )
        try story.write("LVA", .response(.init(request: request.id, decision: .partial, content: "Logs attached; takedown under way.")))
        try story.write(
            "LVA",
            .evidence(
                .init(
                    description: "Netflow",
                    files: [.init(name: "netflow.csv", sha256: String(repeating: "ab", count: 32), tlp: .amber)],
                    indicators: [.init(type: "ipv4-addr", value: "198.51.100.7")],
                    tlp: .amber
                )
            )
        )
        try story.write(
            "EST",
            .consultation(.init(with: [id("LVA")], heldAt: story.time(after: 0), minutes: "Met by video.", outcome: "Joint investigation."))
        )
        try story.write("LTU", .acknowledgement(.init(notification: notification.id)))
        try story.write("EST", .referral(.init(forum: "OSCE Permanent Council", reason: "Seek support for a joint statement.")))
        let attribution = try story.write(
            "EST",
            .attribution(
                .init(
                    actor: .init(kind: .stateLinkedGroup, name: "EXERCISE BEAR"),
                    basis: [.technical, .intelligence],
                    likelihood: .likely,
                    confidence: .moderate,
                    summary: "Tooling and infrastructure overlap."
                )
            )
        )
        try story.write("EST", .statement(.init(title: "Joint statement", text: "We condemn the attack.", attribution: attribution.id)))
        try story.write("EST", .resolution(.init(outcome: "Servers taken down; joint protocol agreed.")))
        try story.write(
            "EST",
            .followUp(
                .init(actions: [
                    .init(id: "training", action: "Joint incident-response training", owner: id("LVA"), dueBy: story.time(after: 30 * 86_400))
                ])
            )
        )
        return story
    }
}
