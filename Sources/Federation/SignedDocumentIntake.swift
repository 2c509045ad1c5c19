import Cases
import EntenteProtocol
import Foundation
import Multilateral

/// A signed document as every intake sees it: an id, its author, and the exact bytes signed.
protocol SignedDocument: Sendable {
    var id: String { get }
    var author: ParticipantID { get }
    var document: JSONValue { get }
}

extension CaseEvent: SignedDocument {}
extension RecordEntry: SignedDocument {}

/// The rules every incoming signed document follows, whatever its kind (case event, record
/// entry), so that each exists once: trust comes from this node's own pins, and a document's
/// identity is its author and its bytes. Cases and the record add their own policies
/// (scope, ordering, audience, relay, state machine) on top.
struct SignedDocumentIntake: Sendable {
    let identity: LocalIdentity
    let peers: PeerDirectory

    /// The keys this node trusts for `participant`: its own, or the ones it pinned.
    func publicKeys(of participant: ParticipantID) async throws -> PublicKeys {
        if participant == identity.id { return identity.keys.publicKeys }
        guard let peer = await peers.peer(participant) else { throw ProtocolError.unknownSender(participant.rawValue) }
        return peer.descriptor.keys
    }

    /// Fails with `badSignature` unless the document verifies with its author's pinned key.
    func verifySignature(of document: some SignedDocument) async throws {
        let keys = try await publicKeys(of: document.author)
        do { try DocumentSignature.verify(document.document, with: keys.signing) } catch { throw ProtocolError.badSignature }
    }

    /// The documents not yet held, each once. An id that is held, or repeated in the batch,
    /// with other bytes is refused whoever wrote either: nothing of the batch is then stored.
    static func fresh<Document: SignedDocument>(_ documents: [Document], held: [String: String]) throws(ProtocolError) -> [Document] {
        var known = held
        var fresh: [Document] = []
        for document in documents {
            let bytes = document.document.canonicalString
            if let existing = known[document.id] {
                guard existing == bytes else { throw .idConflict("document \(document.id) is already held with other content") }
                continue
            }
            known[document.id] = bytes
            fresh.append(document)
        }
        return fresh
    }
}
