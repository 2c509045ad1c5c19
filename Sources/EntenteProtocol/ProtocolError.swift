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
    /// The id is already held for a document with other bytes, whoever wrote either:
    /// a document's identity is its author and its bytes, so nothing is stored.
    case idConflict(String)
    /// The document waits for earlier ones this node does not hold yet; send those first.
    case awaitingHistory(String)
    /// The sender has used up what this node keeps for it.
    case quotaExceeded(String)
    /// Signed with keys the sender offered that the receiving node's operator has yet to confirm; retry later.
    case keyChangePending(String)
    /// A document names keys for a participant that are not the ones this node pinned for it.
    case unanchoredKey(String)

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
        case .idConflict: "id_conflict"
        case .awaitingHistory: "awaiting_history"
        case .quotaExceeded: "quota_exceeded"
        case .unanchoredKey: "unanchored_key"
        case .keyChangePending: "key_change_pending"
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
        case .idConflict(let detail): "id conflict: \(detail)"
        case .awaitingHistory(let detail): "awaiting history: \(detail)"
        case .quotaExceeded(let detail): "quota exceeded: \(detail)"
        case .unanchoredKey(let detail): "unanchored key: \(detail)"
        case .keyChangePending(let detail): "key change pending: \(detail)"
        }
    }
}
