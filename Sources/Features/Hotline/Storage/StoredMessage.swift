import EntenteProtocol
import Foundation
import Hotline

/// One recipient's view of an outgoing message: its signed receipt and a person's acknowledgement.
public struct Delivery: Sendable, Equatable {
    public var recipient: String
    public var deliveredAt: Date?
    public var receipt: String?
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
}

public struct StoredMessage: Sendable, Equatable {
    public var id: String
    public var direction: Direction
    public var sender: String
    public var recipients: [String]
    public var content: HotlineMessage
    public var tlp: TLP
    public var exercise: Bool
    public var sentAt: Date
    public var receivedAt: Date
    public var acknowledgeBy: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var composedBy: String?
    /// Outgoing messages only: one entry per recipient.
    public var deliveries: [Delivery]
    /// True when the content was left out because the reader may not read its TLP.
    public var isWithheld = false

    /// The message as `role` may see it: above its clearance, who sent what when and under
    /// which marking, but no subject, body, fields or attachments.
    public func readable(by role: Role) -> StoredMessage {
        guard !role.mayRead(tlp) else { return self }
        var withheld = self
        withheld.content.subject = "Withheld: TLP:RED, for the Points of Contact only"
        withheld.content.body = ""
        withheld.content.fields = [:]
        withheld.content.attachments = []
        withheld.isWithheld = true
        return withheld
    }

    /// For an incoming message, whether this node's person acknowledged in time; for an
    /// outgoing one, whether every recipient's person did.
    public func acknowledgementState(now: Date) -> AcknowledgementState {
        switch direction {
        case .incoming:
            return .of(acknowledgeBy: acknowledgeBy, acknowledgedAt: acknowledgedAt, now: now)
        case .outgoing:
            let states = deliveries.map { AcknowledgementState.of(acknowledgeBy: acknowledgeBy, acknowledgedAt: $0.acknowledgedAt, now: now) }
            if states.contains(.overdue) { return .overdue }
            return states.allSatisfy { $0 == .acknowledged } ? .acknowledged : .awaiting
        }
    }
}
