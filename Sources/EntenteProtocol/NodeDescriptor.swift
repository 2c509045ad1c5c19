import Crypto
import Foundation

/// A Point of Contact as the UN Global Intergovernmental POC Directory lists them:
/// diplomatic (policy, foreign ministry) and technical (CERT/CSIRT) are separate.
public struct PointOfContact: Sendable, Codable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable { case diplomatic, technical }
    public enum Availability: String, Sendable, Codable, CaseIterable {
        case roundTheClock = "24/7"
        case officeHours = "office-hours"
    }

    public var role: Role
    public var name: String
    public var email: String
    public var phone: String?
    public var languages: [String]
    public var timeZone: String
    public var availability: Availability

    public init(role: Role, name: String, email: String, phone: String? = nil, languages: [String], timeZone: String, availability: Availability) {
        self.role = role
        self.name = name
        self.email = email
        self.phone = phone
        self.languages = languages
        self.timeZone = timeZone
        self.availability = availability
    }
}

/// What a node says about itself at `GET /.well-known/entente`, signed with its own key.
public struct NodeDescriptor: Sendable, Equatable {
    public var id: ParticipantID
    public var name: String
    public var kind: ParticipantKind
    public var endpoint: String
    public var keys: PublicKeys
    public var pointsOfContact: [PointOfContact]
    /// Present after a key rotation: the previous keys, and their signature over the new ones.
    public var rotation: KeyRotation?
    /// Grows whenever what the descriptor says changes, so that a peer refuses an older
    /// descriptor replayed to it (a rolled-back endpoint or key). 0 in descriptors that predate it.
    public var sequence: Int64

    public init(
        id: ParticipantID,
        name: String,
        kind: ParticipantKind,
        endpoint: String,
        keys: PublicKeys,
        pointsOfContact: [PointOfContact],
        rotation: KeyRotation? = nil,
        sequence: Int64 = 0
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.endpoint = endpoint
        self.keys = keys
        self.pointsOfContact = pointsOfContact
        self.rotation = rotation
        self.sequence = sequence
    }

    public static let type = "entente.descriptor"

    /// What the descriptor says, without its signature and sequence: when this changes, the sequence must grow.
    public var content: JSONValue {
        get throws {
            var members: [String: JSONValue] = [
                "v": 1, "type": .string(Self.type), "id": .string(id.rawValue), "name": .string(name), "kind": .string(kind.rawValue),
                "endpoint": .string(endpoint), "keys": keys.json, "pointsOfContact": try JSONValue(encoding: pointsOfContact),
            ]
            if let rotation { members["rotation"] = rotation.json }
            return .object(members)
        }
    }

    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> JSONValue {
        guard case .object(var members) = try content else { preconditionFailure("a descriptor is an object") }
        members["sequence"] = .number(Double(sequence))
        return try DocumentSignature.sign(.object(members), with: key)
    }

    /// Reads a descriptor and checks its self-signature. Says nothing about whether
    /// the keys are the ones pinned: that is `PinnedPeer.evaluate`'s job.
    public init(verifying document: JSONValue) throws(ProtocolError) {
        guard let members = document.objectValue else { throw .malformed("descriptor must be an object") }
        guard document["v"]?.integerValue == 1 else { throw .unsupportedVersion(document["v"]?.integerValue ?? 0) }
        guard document["type"]?.stringValue == Self.type else { throw .malformed("type must be \(Self.type)") }
        let known: Set<String> = ["v", "type", "id", "name", "kind", "endpoint", "keys", "pointsOfContact", "rotation", "sequence", "signature"]
        if let unknown = Set(members.keys).subtracting(known).sorted().first { throw .malformed("unknown member \(unknown)") }
        guard let id = document["id"]?.stringValue.flatMap(ParticipantID.init) else { throw .malformed("invalid id") }
        guard let name = document["name"]?.stringValue, !name.isEmpty, name.count <= 200 else { throw .malformed("invalid name") }
        guard let kind = document["kind"]?.stringValue.flatMap(ParticipantKind.init) else { throw .malformed("invalid kind") }
        guard let endpoint = document["endpoint"]?.stringValue, endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw .malformed("endpoint must be an http(s) URL")
        }
        guard let keysJSON = document["keys"] else { throw .malformed("missing keys") }
        let keys = try PublicKeys(json: keysJSON)
        let contacts = try (document["pointsOfContact"] ?? .array([])).decoded(as: [PointOfContact].self)
        let rotation = try document["rotation"].map { json throws(ProtocolError) in try KeyRotation(json: json) }
        let sequence = document["sequence"]?.integerValue ?? 0
        guard document["sequence"] == nil || document["sequence"]?.integerValue.map({ $0 >= 0 }) == true else {
            throw .malformed("sequence must be a non-negative integer")
        }
        try DocumentSignature.verify(document, with: keys.signing)
        self.init(id: id, name: name, kind: kind, endpoint: endpoint, keys: keys, pointsOfContact: contacts, rotation: rotation, sequence: sequence)
    }
}

/// A statement by a node's previous signing key that its keys are now `keys`.
public struct KeyRotation: Sendable, Equatable {
    public var previous: PublicKeys
    /// Ed25519 by the previous signing key over the canonical `{"id", "keys", "previous"}`.
    public var signature: Data

    public init(previous: PublicKeys, signature: Data) {
        self.previous = previous
        self.signature = signature
    }

    public static func statement(id: ParticipantID, keys: PublicKeys, previous: PublicKeys) -> JSONValue {
        ["id": .string(id.rawValue), "keys": keys.json, "previous": previous.json]
    }

    public static func sign(id: ParticipantID, newKeys: PublicKeys, previous: NodeKeys) throws -> KeyRotation {
        let statement = statement(id: id, keys: newKeys, previous: previous.publicKeys)
        let signature = try previous.signing.signature(for: Data(statement.canonicalBytes))
        return KeyRotation(previous: previous.publicKeys, signature: signature)
    }

    public var json: JSONValue { ["previous": previous.json, "signature": .string(Base64URL.encode(signature))] }

    public init(json: JSONValue) throws(ProtocolError) {
        guard let previous = json["previous"], let signature = json["signature"]?.stringValue.flatMap(Base64URL.decode) else {
            throw .malformed("rotation must be {previous, signature}")
        }
        self.previous = try PublicKeys(json: previous)
        self.signature = signature
    }
}

/// Trust on a peer's keys is pinned, never taken from the network alone.
public enum PinDecision: Sendable, Equatable {
    case unchanged
    /// The previous, pinned key signed the new keys: pin them.
    case rotated(PublicKeys)
    case refused(String)

    public static func evaluate(_ descriptor: NodeDescriptor, pinned: PublicKeys) -> PinDecision {
        if descriptor.keys == pinned { return .unchanged }
        guard let rotation = descriptor.rotation else {
            return .refused("keys changed from \(pinned.fingerprint) to \(descriptor.keys.fingerprint) without a rotation statement")
        }
        guard rotation.previous == pinned else {
            return .refused("rotation is signed by \(rotation.previous.fingerprint), not the pinned key \(pinned.fingerprint)")
        }
        let statement = KeyRotation.statement(id: descriptor.id, keys: descriptor.keys, previous: rotation.previous)
        guard pinned.signing.isValidSignature(rotation.signature, for: Data(statement.canonicalBytes)) else {
            return .refused("rotation signature does not verify with the pinned key")
        }
        return .rotated(descriptor.keys)
    }
}
