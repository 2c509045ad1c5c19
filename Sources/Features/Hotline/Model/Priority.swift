import Foundation

/// Listed from least to most pressing; views show flash first.
public enum Priority: String, Sendable, Codable, CaseIterable {
    case routine, urgent, flash
}

/// How long a person has to acknowledge a message of each priority.
/// The sender stamps the resulting `ackBy` into the message, so both sides
/// mark it overdue at the same moment.
public struct AcknowledgementPolicy: Sendable, Equatable, Codable {
    public var routine: Duration
    public var urgent: Duration
    public var flash: Duration

    /// Flash within 15 minutes, urgent within 2 hours, routine within 24 hours:
    /// the tempo of a crisis hotline, a working day's desk, and a routine exchange.
    public static let defaults = AcknowledgementPolicy(routine: .seconds(24 * 3600), urgent: .seconds(2 * 3600), flash: .seconds(15 * 60))

    public init(routine: Duration, urgent: Duration, flash: Duration) {
        self.routine = routine
        self.urgent = urgent
        self.flash = flash
    }

    public func deadline(for priority: Priority) -> Duration {
        switch priority {
        case .routine: routine
        case .urgent: urgent
        case .flash: flash
        }
    }

    public func acknowledgeBy(sentAt: Date, priority: Priority) -> Date {
        let seconds = deadline(for: priority).components.seconds
        return sentAt.addingTimeInterval(TimeInterval(seconds))
    }
}

/// Where a message stands with the person who must acknowledge it.
public enum AcknowledgementState: String, Sendable, Codable, Equatable {
    case awaiting, acknowledged, overdue

    public static func of(acknowledgeBy: Date, acknowledgedAt: Date?, now: Date) -> AcknowledgementState {
        if acknowledgedAt != nil { return .acknowledged }
        return now > acknowledgeBy ? .overdue : .awaiting
    }
}
