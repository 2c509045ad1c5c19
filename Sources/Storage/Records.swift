import EntenteProtocol
import Foundation
import Hotline

/// A pinned peer: the descriptor we accepted, and the fingerprint a person confirmed.
public struct PeerRecord: Sendable, Equatable {
    public var id: ParticipantID
    public var name: String
    public var kind: ParticipantKind
    public var endpoint: String
    public var fingerprint: String
    /// The signed descriptor as received, kept so that anyone can re-verify it.
    public var descriptor: String
    public var pinnedAt: Date
    public var updatedAt: Date

    public init(descriptor: NodeDescriptor, signedDescriptor: JSONValue, pinnedAt: Date, updatedAt: Date) {
        self.id = descriptor.id
        self.name = descriptor.name
        self.kind = descriptor.kind
        self.endpoint = descriptor.endpoint
        self.fingerprint = descriptor.keys.fingerprint.digits
        self.descriptor = signedDescriptor.canonicalString
        self.pinnedAt = pinnedAt
        self.updatedAt = updatedAt
    }

    /// The pinned descriptor, re-verified.
    public func verifiedDescriptor() throws -> NodeDescriptor {
        try NodeDescriptor(verifying: JSONValue(parsing: descriptor))
    }
}

/// A change of trust a peer asked for and this node did not make: one per peer, however often it
/// is raised (a hostile peer re-raising it every minute buries nothing), with how often and when last.
public struct KeyAlert: Sendable, Equatable {
    public var id: String
    public var peer: String
    public var raisedAt: Date
    public var offeredFingerprint: String
    public var detail: String
    public var count: Int64 = 1
    public var lastRaisedAt: Date
}

/// A peer's newer descriptor that changes trust (its endpoint, or its keys by a rotation this node's
/// policy does not take on its own), held until the operator confirms or rejects it.
public struct PendingPeerChange: Sendable, Equatable {
    public var peer: String
    /// The signed descriptor as offered.
    public var descriptor: String
    public var summary: String
    public var offeredAt: Date

    public init(peer: String, descriptor: String, summary: String, offeredAt: Date) {
        self.peer = peer
        self.descriptor = descriptor
        self.summary = summary
        self.offeredAt = offeredAt
    }
}

public enum Direction: String, Sendable, Codable, CaseIterable {
    case incoming = "in"
    case outgoing = "out"
}

public enum Role: String, Sendable, CaseIterable, Codable {
    case diplomaticPOC = "diplomatic-poc"
    case technicalPOC = "technical-poc"
    case observer
    case `operator`

    public var title: String {
        switch self {
        case .diplomaticPOC: "Diplomatic POC"
        case .technicalPOC: "Technical POC"
        case .observer: "Observer"
        case .operator: "Operator"
        }
    }

    /// Observers read; everyone else may send and acknowledge.
    public var canWrite: Bool { self != .observer }

    /// The Points of Contact are the named recipients of what other states send this node.
    public var isPointOfContact: Bool { self == .diplomaticPOC || self == .technicalPOC }

    /// TLP for people, the same rule TAXII applies to accounts (docs/SECURITY.md, "TLP for people"):
    /// TLP:RED reaches its named recipients only, which on a node are its Points of Contact;
    /// observers and the operator read everything else, and of a RED item only that it exists.
    public func mayRead(_ tlp: TLP) -> Bool { tlp != .red || isPointOfContact }
}

public struct UserRecord: Sendable, Equatable {
    public var username: String
    public var displayName: String
    public var role: Role
    public var passwordHash: String

    public init(username: String, displayName: String, role: Role, passwordHash: String) {
        self.username = username
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
    }
}

public struct SessionRecord: Sendable, Equatable {
    public var username: String
    public var csrfToken: String
    public var expiresAt: Date
}

public struct OutboxItem: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public let envelopeID: String
        public let recipient: String
    }

    public var key: Key { Key(envelopeID: envelopeID, recipient: recipient) }
    public var envelopeID: String
    public var recipient: String
    public var wire: String
    public var attempts: Int64
    public var enqueuedAt: Date
}

extension Date {
    public var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    public init(unixMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000) }
}
