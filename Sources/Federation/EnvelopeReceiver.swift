import EntenteProtocol
import Foundation
import Storage

/// How a feature takes in its type of envelope, once the receiver has verified the sender's signature,
/// charged its budget and quota, and opened the content: check the content and store it in one
/// transaction, or refuse it with a `ProtocolError` having stored nothing.
public protocol EnvelopeIntake: Sendable {
    /// The `type` of the envelopes this intake takes.
    var envelopeType: String { get }
    /// Returns when the envelope was first stored: a replay stores nothing and returns the original time.
    func receive(_ envelope: Envelope, content: JSONValue, now: Date) async throws -> Date
}

/// Takes an envelope off the wire and either stores it and signs a receipt, or
/// refuses it with a `ProtocolError` having stored nothing.
public struct EnvelopeReceiver: Sendable {
    public let identity: LocalIdentity
    public let peers: PeerDirectory
    public let store: NodeStore
    /// Bytes of envelopes this node keeps for any one peer: a pinned peer cannot fill the disk.
    public let storageQuota: Int64
    /// Each feature's intake, by the envelope type it takes; any other type is refused.
    let intakes: [String: any EnvelopeIntake]

    public init(identity: LocalIdentity, peers: PeerDirectory, store: NodeStore, intakes: [any EnvelopeIntake], storageQuota: Int64 = 2 << 30) {
        self.identity = identity
        self.peers = peers
        self.store = store
        self.intakes = Dictionary(intakes.map { ($0.envelopeType, $0) }) { first, _ in first }
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
        guard let intake = intakes[envelope.type] else { throw ProtocolError.unsupportedType(envelope.type) }
        let content = try envelope.open(as: identity.id, with: identity.keys.agreement)
        let storedAt = try await intake.receive(envelope, content: content, now: now)
        let receipt = DeliveryReceipt(
            envelopeID: envelope.id,
            digest: envelope.digest,
            recipient: identity.id,
            receivedAt: Timestamp.format(storedAt)
        )
        return Accepted(envelope: envelope, receipt: try receipt.signed(with: identity.keys.signing), isNew: storedAt == now)
    }
}
