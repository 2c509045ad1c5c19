import Foundation

/// One communication check to one peer: when it was sent, when the receipt came
/// back (the machine's round trip), when a person acknowledged it.
public struct CommunicationCheck: Sendable, Equatable {
    public var messageID: String
    public var peer: String
    public var sentAt: Date
    public var deliveredAt: Date?
    public var acknowledgedAt: Date?

    public init(messageID: String, peer: String, sentAt: Date, deliveredAt: Date?, acknowledgedAt: Date?) {
        self.messageID = messageID
        self.peer = peer
        self.sentAt = sentAt
        self.deliveredAt = deliveredAt
        self.acknowledgedAt = acknowledgedAt
    }

    public var roundTrip: Duration? { deliveredAt.map { .milliseconds(Int64(($0.timeIntervalSince(sentAt) * 1000).rounded())) } }
    public var timeToAnswer: Duration? { acknowledgedAt.map { .milliseconds(Int64(($0.timeIntervalSince(sentAt) * 1000).rounded())) } }
}
