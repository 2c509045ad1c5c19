import Foundation
import Storage

/// Reachability and response times per participant, as the UN and OSCE report
/// their ping tests: how many checks reached the node, how many a person answered,
/// and the median round trip and time to answer.
public struct CheckReport: Sendable {
    public struct Participant: Sendable {
        public var peer: String
        public var checks: Int
        public var reached: Int
        public var answered: Int
        public var medianRoundTrip: Duration?
        public var medianTimeToAnswer: Duration?
        public var lastCheckAt: Date?

        public var reachability: Double { checks == 0 ? 0 : Double(reached) / Double(checks) }
    }

    public var participants: [Participant]
    public var checks: [CommunicationCheck]

    public init(checks: [CommunicationCheck]) {
        self.checks = checks
        participants = Dictionary(grouping: checks, by: \.peer).map { peer, checks in
            Participant(
                peer: peer, checks: checks.count, reached: checks.filter { $0.deliveredAt != nil }.count,
                answered: checks.filter { $0.acknowledgedAt != nil }.count,
                medianRoundTrip: Self.median(checks.compactMap(\.roundTrip)),
                medianTimeToAnswer: Self.median(checks.compactMap(\.timeToAnswer)),
                lastCheckAt: checks.map(\.sentAt).max()
            )
        }.sorted { $0.peer < $1.peer }
    }

    static func median(_ values: [Duration]) -> Duration? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[values.count / 2]
    }
}
