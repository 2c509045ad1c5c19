import EntenteProtocol
import Foundation
import Storage

/// Reachability and response times per participant, as the UN and OSCE report
/// their ping tests: how many checks reached the node, how many a person answered,
/// and the median round trip and time to answer — overall and day by day (UTC).
public struct CheckReport: Sendable {
    public struct Participant: Sendable {
        public var peer: String
        /// The UTC day (`2026-11-22`) for a daily row; nil for the overall row.
        public var day: String?
        public var checks: Int
        public var reached: Int
        public var answered: Int
        public var medianRoundTrip: Duration?
        public var medianTimeToAnswer: Duration?
        public var lastCheckAt: Date?

        public var reachability: Double { checks == 0 ? 0 : Double(reached) / Double(checks) }

        init(peer: String, day: String?, checks: [CommunicationCheck]) {
            self.peer = peer
            self.day = day
            self.checks = checks.count
            reached = checks.filter { $0.deliveredAt != nil }.count
            answered = checks.filter { $0.acknowledgedAt != nil }.count
            medianRoundTrip = CheckReport.median(checks.compactMap(\.roundTrip))
            medianTimeToAnswer = CheckReport.median(checks.compactMap(\.timeToAnswer))
            lastCheckAt = checks.map(\.sentAt).max()
        }
    }

    public var participants: [Participant]
    /// Newest day first, then by participant.
    public var days: [Participant]
    public var checks: [CommunicationCheck]

    public init(checks: [CommunicationCheck]) {
        self.checks = checks
        participants = Dictionary(grouping: checks, by: \.peer)
            .map { Participant(peer: $0.key, day: nil, checks: $0.value) }
            .sorted { $0.peer < $1.peer }
        days = Dictionary(grouping: checks) { DayAndPeer(day: String(Timestamp.format($0.sentAt).prefix(10)), peer: $0.peer) }
            .map { Participant(peer: $0.key.peer, day: $0.key.day, checks: $0.value) }
            .sorted { ($0.day ?? "", $1.peer) > ($1.day ?? "", $0.peer) }
    }

    private struct DayAndPeer: Hashable {
        let day: String
        let peer: String
    }

    static func median(_ values: [Duration]) -> Duration? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[values.count / 2]
    }
}
