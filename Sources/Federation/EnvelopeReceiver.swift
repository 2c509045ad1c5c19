import EntenteProtocol
import Foundation
import Hotline
import Storage

/// Takes an envelope off the wire and either stores it and signs a receipt, or
/// refuses it with a `ProtocolError` having stored nothing.
public struct EnvelopeReceiver: Sendable {
    public let identity: LocalIdentity
    public let peers: PeerDirectory
    public let store: NodeStore
    /// Bytes of envelopes this node keeps for any one peer: a pinned peer cannot fill the disk.
    public let storageQuota: Int64

    public init(identity: LocalIdentity, peers: PeerDirectory, store: NodeStore, storageQuota: Int64 = 2 << 30) {
        self.identity = identity
        self.peers = peers
        self.store = store
        self.storageQuota = storageQuota
    }

    public struct Accepted: Sendable {
        public let envelope: Envelope
        public let receipt: JSONValue
        /// False when this was a replay of an envelope already stored.
        public let isNew: Bool
    }

    public func receive(_ bytes: some Collection<UInt8>, now: Date = Date()) async throws -> Accepted {
        try await receive(Envelope(wireBytes: bytes), now: now)
    }

    /// `admitSender` is asked once the sender's signature has verified, and not before: a
    /// sender's budget (rate, quota) is charged only for envelopes it really sent.
    public func receive(
        _ envelope: Envelope,
        now: Date = Date(),
        admitSender: @Sendable (ParticipantID) async throws -> Void = { _ in }
    ) async throws -> Accepted {
        guard envelope.recipients.contains(identity.id) else { throw ProtocolError.notAddressedToThisNode(identity.id.rawValue) }
        guard let sender = await peers.peer(envelope.sender) else { throw ProtocolError.unknownSender(envelope.sender.rawValue) }
        try envelope.verifySignature(with: sender.descriptor.keys.signing)
        try await admitSender(envelope.sender)
        let used = try await store.storedBytes(from: envelope.sender)
        if used + Int64(envelope.json.canonicalBytes.count) > storageQuota {
            throw ProtocolError.quotaExceeded(
                "\(identity.id) keeps at most \(storageQuota) bytes of envelopes for \(envelope.sender), and holds \(used); ask its operator"
            )
        }
        let content = try envelope.open(as: identity.id, with: identity.keys.agreement)

        let storedAt: Date
        switch envelope.type {
        case HotlineMessage.envelopeType:
            let message = try content.decoded(as: HotlineMessage.self)
            do { try message.validate() } catch { throw ProtocolError.malformed(error.description) }
            storedAt = try await store.recordIncoming(envelope, message: message, now: now)
        case Acknowledgement.envelopeType:
            let acknowledgement = try content.decoded(as: Acknowledgement.self)
            do { try acknowledgement.validate() } catch { throw ProtocolError.malformed(error.description) }
            do {
                storedAt = try await store.recordIncoming(envelope, acknowledgement: acknowledgement, now: now)
            } catch StorageError.notFound(let what) {
                throw ProtocolError.malformed("acknowledgement refers to no \(what)")
            }
        case CaseEnvelopes.envelopeType:
            storedAt = try await CaseEventIntake(identity: identity, peers: peers, store: store).receive(envelope, content: content, now: now)
        case RecordEnvelopes.envelopeType:
            storedAt = try await RecordEntryIntake(identity: identity, peers: peers, store: store).receive(envelope, content: content, now: now)
        default:
            throw ProtocolError.unsupportedType(envelope.type)
        }
        let receipt = DeliveryReceipt(
            envelopeID: envelope.id,
            digest: envelope.digest,
            recipient: identity.id,
            receivedAt: Timestamp.format(storedAt)
        )
        return Accepted(envelope: envelope, receipt: try receipt.signed(with: identity.keys.signing), isNew: storedAt == now)
    }
}
