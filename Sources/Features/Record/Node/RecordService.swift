import EntenteProtocol
import Federation
import Foundation
import Multilateral
import Storage
import TransparencyLog

/// What a participant does in the multilateral record — forums and votes, agreements,
/// norms, confidence-building measures, capacity building — whichever door it comes in by.
/// Each entry is checked against its space's rules, signed, stored with the envelopes
/// that carry it to its audience, then delivered.
public struct RecordService: Sendable {
    public let identity: LocalIdentity
    public let store: NodeStore
    public let peers: PeerDirectory
    public let outbox: OutboxWorker
    public var speaking = SpeakingPolicy.standard

    /// Writes one entry if its space's rules allow it now; `space` is ignored for a
    /// forum's charter or an agreement's text, which open their own.
    @discardableResult
    public func write(_ kind: RecordKind, body: JSONValue, in space: RecordSpace?, by person: Person, now: Date = Date()) async throws -> RecordEntry
    {
        try speaking.check(.recordEntry(kind), role: person.role)
        let signed = try failure { () throws(DocumentError) in
            try RecordEntry.sign(kind, body: body, in: space, author: identity.id, by: person, key: identity.keys.signing, now: now)
        }
        let entry = try await store.updateRecordSpace(signed.space) { held in
            var after = held
            try failure { () throws(DocumentError) in try check(signed, on: &after) }
            let recipients = try await audience(of: after)
            let envelopes = try await RecordEnvelopes.seal([signed], in: signed.space, to: recipients, identity: identity, peers: peers, now: now)
            // Signed now, the entry sorts last unless a member dated one ahead of this node's clock; then the space is refolded in memory.
            let state = held.sortsLast(signed) ? after : held.adding([signed])
            return (
                state,
                {
                    try await store.recordOutgoing(recordEntries: [signed], envelopes: envelopes, now: now)
                    return signed
                }
            )
        }
        await outbox.wake()
        return entry
    }

    /// Casts this node's ballot in a vote of `forumID`, on the text the vote was called on.
    @discardableResult
    public func vote(in forumID: String, call callID: String, choice: Choice, by person: Person, now: Date = Date()) async throws -> RecordEntry {
        let forum = try await forum(forumID)
        guard let call = forum.proposals.compactMap(\.call).first(where: { $0.entry.id == callID }) else {
            throw ServiceFailure.notFound("no vote \(callID) in forum \(forumID)")
        }
        let ballot = Ballot(call: callID, textDigest: call.call.textDigest, choice: choice)
        return try await write(.ballot, body: try ballot.json, in: .forum(forumID), by: person, now: now)
    }

    /// The chair publishes a vote's result after its deadline, with every ballot it holds
    /// and every member's keys as this node pinned them.
    @discardableResult
    public func publishResult(in forumID: String, call callID: String, by person: Person, now: Date = Date()) async throws -> RecordEntry {
        let forum = try await forum(forumID)
        guard let proposal = forum.proposals.first(where: { $0.call?.entry.id == callID }), let call = proposal.call else {
            throw ServiceFailure.notFound("no vote \(callID) in forum \(forumID)")
        }
        guard forum.host == identity.id else { throw ServiceFailure.conflict("only the chair, \(forum.host?.rawValue ?? "?"), publishes a result") }
        guard now.unixMilliseconds > call.call.deadlineMilliseconds else {
            throw ServiceFailure.conflict("the vote is open until \(call.call.deadline)")
        }
        var members: [VoteResult.Member] = []
        for member in forum.members { members.append(VoteResult.Member(participant: member, keys: try await keys(of: member))) }
        let text = proposal.versions.first { $0.number == call.call.version }?.text ?? proposal.current.text
        let body = try failure { () throws(DocumentError) in
            try VoteResult.body(
                forumName: forum.name,
                proposalTitle: proposal.proposal.title,
                text: text,
                callEntry: call.entry,
                host: VoteResult.Member(participant: identity.id, keys: identity.keys.publicKeys),
                members: members,
                ballots: proposal.ballots
            )
        }
        return try await write(.result, body: try body.json, in: .forum(forumID), by: person, now: now)
    }

    /// This node signs an agreement it is a party to, binding the signature to the text's digest.
    @discardableResult
    public func signAgreement(_ agreementID: String, by person: Person, now: Date = Date()) async throws -> RecordEntry {
        guard let digest = try await agreement(agreementID).digest else { throw ServiceFailure.notFound("no agreement \(agreementID)") }
        return try await write(
            .agreementSignature,
            body: try AgreementSignature(agreementDigest: digest).json,
            in: .agreement(agreementID),
            by: person,
            now: now
        )
    }

    public func forum(_ id: String) async throws -> ForumState {
        guard let state = try await store.recordSpaceState(.forum(id)).forum, state.host != nil else {
            throw ServiceFailure.notFound("no forum \(id) on this node")
        }
        return state
    }

    public func forums() async throws -> [ForumState] {
        try await store.recordEntries(ofEvery: "forum").map { ForumState(id: $0.key, entries: $0.value) }
            .filter { $0.host != nil }.sorted { $0.id > $1.id }
    }

    public func agreement(_ id: String) async throws -> AgreementState {
        guard let state = try await store.recordSpaceState(.agreement(id)).agreement, state.agreement != nil else {
            throw ServiceFailure.notFound("no agreement \(id) on this node")
        }
        return state
    }

    public func agreements() async throws -> [AgreementState] {
        try await store.recordEntries(ofEvery: "agreement").map { AgreementState(id: $0.key, entries: $0.value) }
            .filter { $0.agreement != nil }.sorted { $0.id > $1.id }
    }

    public func agreementBook() async throws -> AgreementBook { try await store.agreementBook() }

    public func publicRecord() async throws -> PublicRecord {
        try await store.recordSpaceState(.publicRecord).publicRecord ?? PublicRecord(entries: [])
    }

    /// This node and every pinned peer: the rows of the norms and CBM matrices.
    public func participants() async -> [ParticipantID] { [identity.id] + (await peers.all().map(\.record.id)) }

    /// A published result as a file anyone can verify.
    public func resultFile(in forumID: String, call callID: String) async throws -> VoteResult {
        let forum = try await forum(forumID)
        guard let result = forum.proposals.first(where: { $0.call?.entry.id == callID })?.result else {
            throw ServiceFailure.notFound("no published result for vote \(callID)")
        }
        return result
    }

    /// An agreement in force as a file anyone can verify, with each party's pinned keys. What this node
    /// issues goes on its log, once per file, so the file can be proved offline.
    public func agreementFile(_ id: String) async throws -> AgreementFile {
        let state = try await agreement(id)
        var keys: [ParticipantID: PublicKeys] = [:]
        for party in state.parties {
            keys[party] = party == identity.id ? identity.keys.publicKeys : await peers.peer(party)?.descriptor.keys
        }
        let file = try failure { () throws(DocumentError) in try AgreementFile(state, keys: keys) }
        try await store.appendToLog([LogEntry(kind: .agreement, document: file.fileBytes)], now: Date())
        return file
    }

    /// Applies the entry to its space's state if the space's rules allow it now.
    private func check(_ entry: RecordEntry, on state: inout RecordSpaceState) throws(DocumentError) {
        if case .forum(let id) = entry.space, entry.kind != .forum, !(state.forum?.canWrite(identity.id) ?? false) {
            throw .notAParticipant("\(identity.id) is not a member of forum \(id)")
        }
        try state.apply(entry)
        if entry.kind == .ballot, let forum = state.forum, let body = entry.decoded(as: Ballot.self),
            let proposal = forum.proposals.first(where: { $0.call?.entry.id == body.call }),
            let refusal = proposal.tally(members: forum.members)?.refused.first(where: { $0.ballot == entry.id })
        {
            throw .refused(refusal.reason)
        }
    }

    /// Who receives an entry of a space: its members, or every pinned peer for the public record.
    private func audience(of state: RecordSpaceState) async throws -> [ParticipantID] {
        guard let audience = state.audience else { return await peers.all().map(\.record.id) }
        for participant in audience where participant != identity.id {
            guard await peers.peer(participant) != nil else {
                throw ServiceFailure.invalid("\(participant) is not a peer of this node: pin it first")
            }
        }
        return audience
    }

    private func keys(of participant: ParticipantID) async throws -> PublicKeys {
        if participant == identity.id { return identity.keys.publicKeys }
        guard let peer = await peers.peer(participant) else { throw ServiceFailure.invalid("\(participant) is not a peer of this node") }
        return peer.descriptor.keys
    }

    private func failure<T>(_ body: () throws(DocumentError) -> T) throws -> T {
        do { return try body() } catch {
            switch error {
            case .invalid(let detail): throw ServiceFailure.invalid(detail)
            case .refused(let detail), .notAParticipant(let detail): throw ServiceFailure.conflict(detail)
            }
        }
    }
}
