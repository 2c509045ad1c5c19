import EntenteProtocol
import Foundation
import Multilateral
import Storage

/// Checks the entries of a verified, decrypted `record.entries` envelope before anything
/// is stored: each signed by its author's pinned key, relayed only by its author or the
/// forum's host, written by a member of its space, to a node that belongs to it. A forum's
/// host relays what it receives to the members the author did not send it to.
public struct RecordEntryIntake: EnvelopeIntake {
    let identity: LocalIdentity
    let peers: PeerDirectory
    let store: NodeStore

    public init(identity: LocalIdentity, peers: PeerDirectory, store: NodeStore) {
        self.identity = identity
        self.peers = peers
        self.store = store
    }

    public var envelopeType: String { RecordEnvelopes.envelopeType }
    var kernel: SignedDocumentIntake { SignedDocumentIntake(identity: identity, peers: peers) }

    public func receive(_ envelope: Envelope, content: JSONValue, now: Date) async throws -> Date {
        let entries = try DocumentEnvelopes.documents(in: content, member: "entries", type: RecordEnvelopes.envelopeType).map { document in
            do { return try RecordEntry(document: document) } catch { throw ProtocolError.malformed("invalid record entry: \(error)") }
        }
        guard let space = entries.first?.space, entries.allSatisfy({ $0.space == space }) else {
            throw ProtocolError.malformed("all entries of one envelope belong to one space")
        }
        for entry in entries { try await kernel.verifySignature(of: entry) }
        for entry in entries where entry.kind == .result { try await checkAnchored(entry) }
        return try await store.updateRecordSpace(space) { held in
            let fresh = try SignedDocumentIntake.fresh(entries, held: try await store.recordEntryDocuments(entries.map(\.id)))
            let state = held.adding(fresh)
            try check(fresh, relayedBy: envelope.sender, in: state)
            let relays = try await relay(fresh, in: state, alreadySentTo: envelope.recipients + [envelope.sender], now: now)
            return (state, { try await store.recordIncoming(envelope, recordEntries: fresh, relays: relays, now: now) })
        }
    }

    /// A result carries every member's keys so that anyone can recount it offline; this node
    /// takes none of them on trust: each must be the key it pinned for that member, or a chair
    /// could list a key of its own as a member's and sign that member's ballot.
    private func checkAnchored(_ entry: RecordEntry) async throws {
        let result: VoteResult
        do { result = try VoteResult(verifying: entry) } catch { throw ProtocolError.malformed("\(error)") }
        let anchors = await peers.anchors(with: identity)
        for member in [result.body.host] + result.body.members {
            let keys = try PublicKeys(json: member.keys)
            if let problem = anchors.problem(with: member.participant, keys) {
                throw ProtocolError.unanchoredKey(
                    "the result of vote \(result.callEntry.id) lists keys for \(member.participant) that are not pinned here: \(problem)"
                )
            }
        }
    }

    private func check(_ fresh: [RecordEntry], relayedBy sender: ParticipantID, in state: RecordSpaceState) throws {
        for entry in fresh where entry.author != sender && state.relay != sender {
            throw ProtocolError.malformed("\(sender) relays an entry by \(entry.author) in \(state.space)")
        }
        guard let audience = state.audience else { return }
        guard audience.contains(identity.id) else { throw ProtocolError.notAParticipant("\(identity.id) does not take part in \(state.space)") }
        if let outsider = fresh.first(where: { !audience.contains($0.author) }) {
            throw ProtocolError.notAParticipant("\(outsider.author) does not take part in \(state.space)")
        }
    }

    private func relay(_ fresh: [RecordEntry], in state: RecordSpaceState, alreadySentTo: [ParticipantID], now: Date) async throws -> [Envelope] {
        guard state.relay == identity.id, !fresh.isEmpty, let audience = state.audience else { return [] }
        var reachable: [ParticipantID] = []
        for participant in audience where !alreadySentTo.contains(participant) && participant != identity.id {
            if await peers.peer(participant) != nil { reachable.append(participant) }
        }
        return try await RecordEnvelopes.seal(fresh, in: state.space, to: reachable, identity: identity, peers: peers, now: now)
    }
}
