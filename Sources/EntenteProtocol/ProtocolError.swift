/// Why a document received from another node was refused. Each case maps to one
/// stable error code on the wire (see docs/PROTOCOL.md, "Errors").
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case tooLarge(limit: Int)
    case unsupportedVersion(Int64)
    case unsupportedType(String)
    case unsigned
    case badSignature
    case unknownSender(String)
    case notAddressedToThisNode(String)
    case undecryptable
    case keyChangeRefused(String)
    case notAParticipant(String)

    public var code: String {
        switch self {
        case .malformed: "malformed"
        case .tooLarge: "too_large"
        case .unsupportedVersion: "unsupported_version"
        case .unsupportedType: "unsupported_type"
        case .unsigned: "unsigned"
        case .badSignature: "bad_signature"
        case .unknownSender: "unknown_sender"
        case .notAddressedToThisNode: "not_addressed_to_this_node"
        case .undecryptable: "undecryptable"
        case .keyChangeRefused: "key_change_refused"
        case .notAParticipant: "not_a_participant"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed document: \(detail)"
        case .tooLarge(let limit): "document larger than the \(limit)-byte limit"
        case .unsupportedVersion(let version): "unsupported protocol version \(version)"
        case .unsupportedType(let type): "unsupported envelope type \"\(type)\""
        case .unsigned: "document carries no signature"
        case .badSignature: "signature does not verify with the sender's pinned key"
        case .unknownSender(let sender): "sender \(sender) is not a pinned peer of this node"
        case .notAddressedToThisNode(let node): "envelope is not addressed to \(node)"
        case .undecryptable: "content cannot be decrypted with this node's key"
        case .keyChangeRefused(let detail): "key change refused: \(detail)"
        case .notAParticipant(let detail): "not a participant: \(detail)"
        }
    }
}
