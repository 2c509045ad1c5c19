import EntenteProtocol
import Hotline

/// A joint exercise: injects delivered through the hotline at set times after the start,
/// each marked as exercise. The organiser's node sends them and measures the answers.
public struct DrillScenario: Codable, Sendable, Equatable {
    public struct Inject: Codable, Sendable, Equatable {
        /// Seconds after the drill's start.
        public var offsetSeconds: Int
        public var to: [ParticipantID]
        public var priority: Priority
        public var subject: String
        public var body: String

        public init(offsetSeconds: Int, to: [ParticipantID], priority: Priority, subject: String, body: String) {
            self.offsetSeconds = offsetSeconds
            self.to = to
            self.priority = priority
            self.subject = subject
            self.body = body
        }
    }

    public var name: String
    public var injects: [Inject]

    public init(name: String, injects: [Inject]) {
        self.name = name
        self.injects = injects
    }

    public static let maximumDuration = 7 * 86_400

    public func validate() throws(DocumentError) {
        try Bounds.text(name, "name", max: 200)
        try Bounds.list(injects, "injects", count: 1...200)
        for (position, inject) in injects.enumerated() {
            guard (0...Self.maximumDuration).contains(inject.offsetSeconds) else {
                throw .invalid("inject \(position + 1): offset must be 0 to 7 days")
            }
            try Bounds.list(inject.to, "inject \(position + 1) recipients", count: 1...100)
            try Bounds.distinct(inject.to, "inject \(position + 1) recipients")
            try Bounds.text(inject.subject, "inject \(position + 1) subject", max: HotlineMessage.maximumSubjectLength)
            try Bounds.text(inject.body, "inject \(position + 1) body", max: 16 * 1024, required: false)
        }
    }

    public var participants: [ParticipantID] { Array(Set(injects.flatMap(\.to))).sorted() }
}

/// What happened to each inject at each recipient, and how fast each answered.
public struct AfterActionReport: Sendable, Equatable {
    /// One inject to one recipient, as the organiser's node recorded it (milliseconds since 1970).
    public struct Delivery: Sendable, Equatable {
        public var inject: Int
        public var recipient: ParticipantID
        public var subject: String
        public var dueAt: Int64
        public var sentAt: Int64?
        public var messageID: String?
        public var acknowledgeBy: Int64?
        public var acknowledgedAt: Int64?

        public init(
            inject: Int,
            recipient: ParticipantID,
            subject: String,
            dueAt: Int64,
            sentAt: Int64? = nil,
            messageID: String? = nil,
            acknowledgeBy: Int64? = nil,
            acknowledgedAt: Int64? = nil
        ) {
            self.inject = inject
            self.recipient = recipient
            self.subject = subject
            self.dueAt = dueAt
            self.sentAt = sentAt
            self.messageID = messageID
            self.acknowledgeBy = acknowledgeBy
            self.acknowledgedAt = acknowledgedAt
        }

        /// From sending to a person's acknowledgement.
        public var responseMilliseconds: Int64? { sentAt.flatMap { sent in acknowledgedAt.map { $0 - sent } } }
        /// How late the inject went out against the scenario.
        public var sendDelayMilliseconds: Int64? { sentAt.map { $0 - dueAt } }
        public var answeredInTime: Bool? {
            guard let acknowledgeBy, sentAt != nil else { return nil }
            return acknowledgedAt.map { $0 <= acknowledgeBy }
        }
    }

    public struct ParticipantSummary: Sendable, Equatable {
        public var participant: ParticipantID
        public var injects: Int
        public var answered: Int
        public var answeredInTime: Int
        public var medianResponseMilliseconds: Int64?
        public var slowestResponseMilliseconds: Int64?
    }

    public let deliveries: [Delivery]
    public let participants: [ParticipantSummary]

    public init(deliveries: [Delivery]) {
        self.deliveries = deliveries.sorted { ($0.inject, $0.recipient) < ($1.inject, $1.recipient) }
        let byParticipant = Dictionary(grouping: deliveries, by: \.recipient)
        participants = byParticipant.keys.sorted().map { participant in
            let rows = byParticipant[participant] ?? []
            let times = rows.compactMap(\.responseMilliseconds).sorted()
            return ParticipantSummary(
                participant: participant,
                injects: rows.count,
                answered: times.count,
                answeredInTime: rows.filter { $0.answeredInTime == true }.count,
                medianResponseMilliseconds: times.isEmpty ? nil : times[(times.count - 1) / 2],
                slowestResponseMilliseconds: times.last
            )
        }
    }

    public var sent: Int { deliveries.filter { $0.sentAt != nil }.count }
    public var answered: Int { deliveries.filter { $0.acknowledgedAt != nil }.count }
}
