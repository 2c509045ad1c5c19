import EntenteProtocol
import Foundation
import Hotline

/// Who this node is: its public description and its private keys.
public struct LocalIdentity: Sendable {
    public var id: ParticipantID
    public var name: String
    public var kind: ParticipantKind
    public var endpoint: String
    public var keys: NodeKeys
    public var pointsOfContact: [PointOfContact]
    public var acknowledgementPolicy: AcknowledgementPolicy
    public var rotation: KeyRotation?
    /// The descriptor's sequence: grows whenever what the descriptor says changes (`NodeDirectory`).
    public var descriptorSequence: Int64

    public init(
        id: ParticipantID,
        name: String,
        kind: ParticipantKind,
        endpoint: String,
        keys: NodeKeys,
        pointsOfContact: [PointOfContact],
        acknowledgementPolicy: AcknowledgementPolicy = .defaults,
        rotation: KeyRotation? = nil,
        descriptorSequence: Int64 = 0
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.endpoint = endpoint
        self.keys = keys
        self.pointsOfContact = pointsOfContact
        self.acknowledgementPolicy = acknowledgementPolicy
        self.rotation = rotation
        self.descriptorSequence = descriptorSequence
    }

    public var descriptor: NodeDescriptor {
        NodeDescriptor(
            id: id,
            name: name,
            kind: kind,
            endpoint: endpoint,
            keys: keys.publicKeys,
            pointsOfContact: pointsOfContact,
            rotation: rotation,
            sequence: descriptorSequence
        )
    }

    public func signedDescriptor() throws -> JSONValue { try descriptor.signed(with: keys.signing) }
}
