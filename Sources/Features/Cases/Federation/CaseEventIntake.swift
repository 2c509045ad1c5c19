import Cases
import EntenteProtocol
import Foundation
import Storage

/// Checks the case events in a verified, decrypted `case.events` envelope before
/// anything is stored: each event signed by its author's pinned key, relayed only
/// by its author or the case's owner, written by a participant, addressed to a
/// participant. The owner relays what it receives to participants the author missed.
public struct CaseEventIntake: EnvelopeIntake {
    /// Events a participant may have waiting for earlier ones in one case: enough for any
    /// out-of-order delivery, too few to fill the node with events that never fit.
    static let maximumWaitingPerAuthor = 64

    let identity: LocalIdentity
    let peers: PeerDirectory
    let store: NodeStore

    public init(identity: LocalIdentity, peers: PeerDirectory, store: NodeStore) {
        self.identity = identity
        self.peers = peers
        self.store = store
    }

    public var envelopeType: String { CaseEnvelopes.envelopeType }
    var kernel: SignedDocumentIntake { SignedDocumentIntake(identity: identity, peers: peers) }

    public func receive(_ envelope: Envelope, content: JSONValue, now: Date) async throws -> Date {
        let events = try DocumentEnvelopes.documents(in: content, member: "events", type: CaseEnvelopes.envelopeType).map { document in
            do { return try CaseEvent(document: document) } catch { throw ProtocolError.malformed("invalid case event: \(error)") }
        }
        guard let caseID = events.first?.caseID, events.allSatisfy({ $0.caseID == caseID }) else {
            throw ProtocolError.malformed("all events of one envelope belong to one case")
        }
        for event in events { try await verify(event, relayedBy: envelope.sender) }
        return try await store.updateCase(caseID) { held in
            let fresh = try SignedDocumentIntake.fresh(events, held: try await store.caseEventDocuments(events.map(\.id)))
            let state = held.adding(fresh)
            try checkParticipation(of: fresh, in: state)
            try checkWaiting(fresh, in: state)
            try await verifyCosignatures(fresh, in: state)
            let relays = try await relay(fresh, in: state, alreadySentTo: envelope.recipients + [envelope.sender], now: now)
            return (state, { try await store.recordIncoming(envelope, caseEvents: fresh, relays: relays, now: now) })
        }
    }

    private func verify(_ event: CaseEvent, relayedBy sender: ParticipantID) async throws {
        guard sender == event.author || sender == event.owner else {
            throw ProtocolError.malformed("\(sender) relays an event by \(event.author) in a case owned by \(event.owner)")
        }
        try await kernel.verifySignature(of: event)
    }

    /// Events whose history is complete must come from participants, and this node must be one.
    private func checkParticipation(of fresh: [CaseEvent], in state: CaseState) throws {
        let freshIDs = Set(fresh.map(\.id))
        for entry in state.timeline where freshIDs.contains(entry.event.id) {
            if case .some = entry.refusal, !state.participants.contains(entry.event.author) {
                throw ProtocolError.notAParticipant("\(entry.event.author) does not take part in case \(state.id)")
            }
        }
        if state.stage != nil, !state.participants.contains(identity.id), !fresh.allSatisfy({ event in state.waiting.contains { $0.id == event.id } })
        {
            throw ProtocolError.notAParticipant("\(identity.id) was not invited to case \(state.id)")
        }
    }

    /// An event may wait for earlier ones only in a case this node holds, only by a participant
    /// this node knows of, and only so many per author: otherwise anyone could park documents
    /// (and squat ids) in cases that do not exist. The sender is told to send the history first.
    private func checkWaiting(_ fresh: [CaseEvent], in state: CaseState) throws {
        let waiting = state.waiting.filter { event in fresh.contains { $0.id == event.id } }
        guard let first = waiting.first else { return }
        guard state.stage != nil else {
            throw ProtocolError.awaitingHistory("case \(state.id) is not held here: send its report and history first")
        }
        guard state.participants.contains(first.author) else {
            throw ProtocolError.awaitingHistory("\(first.author) is not yet a participant of case \(state.id) here: send the invitation first")
        }
        for author in Set(waiting.map(\.author)) where state.waiting.count(where: { $0.author == author }) > Self.maximumWaitingPerAuthor {
            throw ProtocolError.quotaExceeded("\(author) has more than \(Self.maximumWaitingPerAuthor) events waiting in case \(state.id)")
        }
    }

    /// A co-signature must verify over the statement it signs, with the signer's pinned keys.
    private func verifyCosignatures(_ fresh: [CaseEvent], in state: CaseState) async throws {
        for event in fresh {
            guard case .cosignature(let cosignature) = event.action, let record = state.statement(cosignature.statement) else { continue }
            let keys = try await kernel.publicKeys(of: event.author)
            let body = try JointStatement.body(of: record, in: state)
            guard let signature = Base64URL.decode(cosignature.signature),
                JointStatement.isValid(signature: signature, body: body, signer: event.author, keys: keys)
            else { throw ProtocolError.malformed("the co-signature of \(event.author) does not verify over statement \(cosignature.statement)") }
        }
    }

    /// The owner forwards events it receives to participants the author did not send them to.
    private func relay(_ fresh: [CaseEvent], in state: CaseState, alreadySentTo: [ParticipantID], now: Date) async throws -> [Envelope] {
        guard state.owner == identity.id, !fresh.isEmpty else { return [] }
        let missed = state.participants.filter { !alreadySentTo.contains($0) && $0 != identity.id }
        var reachable: [ParticipantID] = []
        for participant in missed where await peers.peer(participant) != nil { reachable.append(participant) }
        return try await CaseEnvelopes.seal(fresh, to: reachable, state: state, identity: identity, peers: peers, now: now)
    }
}
