import Crypto
import EntenteProtocol
import Foundation

/// Signed documents (case events, record entries) travel in batches: content
/// `{<member>: [document, …]}`, split over as many envelopes as their size needs so
/// that each stays under `Envelope.maximumSize`.
enum DocumentEnvelopes {
    static let maximumDocuments = 1000
    static let maximumPayloadBytes = 640 * 1024

    static func seal(
        _ documents: [JSONValue],
        as member: String,
        type: String,
        to recipients: [ParticipantID],
        tlp: TLP,
        exercise: Bool,
        identity: LocalIdentity,
        peers: PeerDirectory,
        now: Date
    ) async throws -> [Envelope] {
        let recipients = Array(Set(recipients).subtracting([identity.id])).sorted()
        guard !recipients.isEmpty, !documents.isEmpty else { return [] }
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
            envelopes.append(
                try Envelope.seal(
                    payload: [member: .array(batch)],
                    type: type,
                    from: identity.id,
                    signingKey: identity.keys.signing,
                    to: keys,
                    tlp: tlp,
                    exercise: exercise,
                    id: UUIDv7.string(UUIDv7.generate(at: now)),
                    createdAt: Timestamp.format(now)
                )
            )
            batch = []
            batchBytes = 0
        }
        for document in documents {
            let size = document.canonicalBytes.count
            if batch.count == maximumDocuments || (batchBytes + size > maximumPayloadBytes && !batch.isEmpty) { try flush() }
            batch.append(document)
            batchBytes += size
        }
        try flush()
        return envelopes
    }

    /// The documents of a batch envelope's content, checked for shape.
    static func documents(in content: JSONValue, member: String, type: String) throws -> [JSONValue] {
        guard let documents = content[member]?.arrayValue, content.objectValue?.count == 1, (1...maximumDocuments).contains(documents.count) else {
            throw ProtocolError.malformed("\(type) content must be {\(member): [1 to \(maximumDocuments) documents]}")
        }
        return documents
    }
}
