import Crypto
import Cases
import EntenteProtocol
import Foundation

/// How case events travel: in envelopes of type `case.events`, each carrying
/// one or more signed events of one case (docs/PROTOCOL.md, "Case events").
public enum CaseEnvelopes {
    public static let envelopeType = "case.events"
    /// Events per envelope, and their total size, so that the sealed envelope stays under `Envelope.maximumSize`.
    public static let maximumEvents = 1000
    static let maximumPayloadBytes = 640 * 1024

    /// Seals `events` to `recipients`, split over as many envelopes as their size needs.
    public static func seal(
        _ events: [CaseEvent], to recipients: [ParticipantID], state: CaseState, identity: LocalIdentity, peers: PeerDirectory, now: Date
    ) async throws -> [Envelope] {
        let recipients = Array(Set(recipients).subtracting([identity.id])).sorted()
        guard !recipients.isEmpty, !events.isEmpty else { return [] }
        var keys: [(id: ParticipantID, key: Curve25519.KeyAgreement.PublicKey)] = []
        for recipient in recipients {
            guard let peer = await peers.peer(recipient) else { throw ProtocolError.unknownSender(recipient.rawValue) }
            keys.append((recipient, peer.descriptor.keys.agreement))
        }
        var envelopes: [Envelope] = []
        var batch: [JSONValue] = []
        var batchBytes = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            envelopes.append(try Envelope.seal(
                payload: ["events": .array(batch)], type: envelopeType, from: identity.id, signingKey: identity.keys.signing, to: keys,
                tlp: state.tlp, exercise: state.exercise, id: UUIDv7.string(UUIDv7.generate(at: now)), createdAt: Timestamp.format(now)
            ))
            batch = []
            batchBytes = 0
        }
        for event in events {
            let size = event.document.canonicalBytes.count
            if batch.count == maximumEvents || (batchBytes + size > maximumPayloadBytes && !batch.isEmpty) { try flush() }
            batch.append(event.document)
            batchBytes += size
        }
        try flush()
        return envelopes
    }
}
