import EntenteProtocol

/// A forum as every node computes it from the entries it holds: the charter, each
/// proposal's versions and amendments, its vote and result. Entries are applied in
/// time order; one that breaks a rule is kept with its refusal, so all nodes agree.
public struct ForumState: Sendable {
    public struct Version: Sendable, Equatable {
        public var number: Int
        public var text: String
        public var digest: String
        /// The proposal or the accepted amendment that wrote it.
        public var source: RecordEntry
    }

    public enum AmendmentStatus: String, Sendable {
        case pending, accepted, rejected
    }

    public struct AmendmentRecord: Sendable {
        public var entry: RecordEntry
        public var amendment: Amendment
        public var status: AmendmentStatus
    }

    public struct ProposalRecord: Sendable {
        public var entry: RecordEntry
        public var proposal: Proposal
        public var versions: [Version]
        public var amendments: [AmendmentRecord] = []
        public var call: (entry: RecordEntry, call: VoteCall)?
        /// Every ballot held for the call; `tally` decides which count.
        public var ballots: [RecordEntry] = []
        public var result: VoteResult?

        public var id: String { entry.id }
        public var current: Version { versions[versions.count - 1] }

        /// The count so far (or the final one once the deadline has passed).
        public func tally(members: [ParticipantID]) -> Tally? {
            call.map { Tally.count(call: $0.call, callID: $0.entry.id, members: members, ballots: ballots) }
        }
    }

    public struct Refusal: Sendable {
        public var entry: RecordEntry
        public var reason: String
    }

    public let id: String
    public private(set) var host: ParticipantID?
    public private(set) var charter: ForumCharter?
    public private(set) var proposals: [ProposalRecord] = []
    public private(set) var refusals: [Refusal] = []

    public var name: String { charter?.name ?? "" }
    public var members: [ParticipantID] { charter?.members ?? [] }
    /// Who receives the forum's entries: the host and the members.
    public var audience: [ParticipantID] { Array(Set(members + (host.map { [$0] } ?? []))).sorted() }

    public init(id: String, entries: [RecordEntry]) {
        self.id = id
        for entry in entries.sorted(by: RecordEntry.chronological) {
            do { try apply(entry) } catch { refuse(entry, error) }
        }
    }

    /// Keeps an entry that broke a rule, with the rule, so that every node agrees on it.
    mutating func refuse(_ entry: RecordEntry, _ error: DocumentError) {
        refusals.append(.init(entry: entry, reason: error.description))
    }

    public func proposal(_ id: String) -> ProposalRecord? { proposals.first { $0.id == id } }

    public func canWrite(_ participant: ParticipantID) -> Bool { audience.contains(participant) }

    /// Applies one entry, or says which rule it breaks.
    public mutating func apply(_ entry: RecordEntry) throws(DocumentError) {
        guard entry.space == .forum(id) else { throw .invalid("entry \(entry.id) is not in forum \(id)") }
        if entry.kind == .forum {
            guard charter == nil, let body = entry.decoded(as: ForumCharter.self) else { throw .refused("the forum is already open") }
            host = entry.author
            charter = body
            return
        }
        guard let host else { throw .refused("forum \(id) is not open on this node") }
        let isHost = entry.author == host
        guard isHost || members.contains(entry.author) else { throw .notAParticipant("\(entry.author) is not a member of \(name)") }
        switch entry.kind {
        case .proposal:
            guard members.contains(entry.author), let body = entry.decoded(as: Proposal.self) else { throw .refused("only members table proposals") }
            let first = Version(number: 1, text: body.text, digest: Digest.sha256(of: body.text), source: entry)
            proposals.append(ProposalRecord(entry: entry, proposal: body, versions: [first]))
        case .amendment:
            guard let body = entry.decoded(as: Amendment.self) else { throw .invalid("not an amendment") }
            let index = try openProposal(body.proposal)
            let current = proposals[index].current
            guard body.baseVersion == current.number else {
                throw .refused("the amendment was written against version \(body.baseVersion); the text is now at version \(current.number)")
            }
            guard body.text != current.text else { throw .refused("the amendment does not change the text") }
            proposals[index].amendments.append(AmendmentRecord(entry: entry, amendment: body, status: .pending))
        case .amendmentDecision:
            guard isHost, let body = entry.decoded(as: AmendmentDecision.self) else {
                throw .refused("only the chair, \(host), decides on amendments")
            }
            guard let index = proposals.firstIndex(where: { $0.amendments.contains { $0.entry.id == body.amendment } }) else {
                throw .refused("no amendment \(body.amendment) in this forum")
            }
            _ = try openProposal(proposals[index].id)
            let position = proposals[index].amendments.firstIndex { $0.entry.id == body.amendment }!
            let record = proposals[index].amendments[position]
            guard record.status == .pending else { throw .refused("amendment \(body.amendment) was already \(record.status.rawValue)") }
            if body.accepted {
                let current = proposals[index].current
                guard record.amendment.baseVersion == current.number else {
                    throw .refused(
                        "the amendment was written against version \(record.amendment.baseVersion); the text is now at version \(current.number)"
                    )
                }
                let text = record.amendment.text
                proposals[index].versions.append(
                    Version(number: current.number + 1, text: text, digest: Digest.sha256(of: text), source: record.entry)
                )
            }
            proposals[index].amendments[position].status = body.accepted ? .accepted : .rejected
        case .voteCall:
            guard isHost, let body = entry.decoded(as: VoteCall.self) else { throw .refused("only the chair, \(host), calls a vote") }
            let index = try openProposal(body.proposal)
            let current = proposals[index].current
            guard body.version == current.number, body.textDigest == current.digest else {
                throw .refused("a vote is called on the current text, version \(current.number)")
            }
            guard body.deadlineMilliseconds > entry.atMilliseconds else { throw .refused("the deadline must be after the call") }
            proposals[index].call = (entry, body)
        case .ballot:
            guard let body = entry.decoded(as: Ballot.self) else { throw .invalid("not a ballot") }
            guard let index = proposals.firstIndex(where: { $0.call?.entry.id == body.call }) else {
                throw .refused("no vote \(body.call) in this forum")
            }
            guard proposals[index].result == nil else { throw .refused("the result of this vote is already published") }
            proposals[index].ballots.append(entry)
        case .result:
            guard isHost else { throw .refused("only the chair, \(host), publishes a result") }
            let result = try VoteResult(verifying: entry)
            guard let index = proposals.firstIndex(where: { $0.call?.entry.id == result.callEntry.id }) else {
                throw .refused("no vote \(result.callEntry.id) in this forum")
            }
            guard proposals[index].result == nil else { throw .refused("the result of this vote is already published") }
            guard result.body.members.map(\.participant) == members.sorted() else {
                throw .refused("the result lists other members than the forum's")
            }
            if let missing = result.leavesOut(proposals[index].ballots).first {
                throw .refused("the published result leaves out the ballot of \(missing.author) cast at \(missing.at)")
            }
            proposals[index].result = result
        default:
            throw .invalid("a \(entry.kind.rawValue) entry does not belong in a forum")
        }
    }

    /// A proposal still open to amendment: no vote called on it yet.
    private func openProposal(_ id: String) throws(DocumentError) -> Int {
        guard let index = proposals.firstIndex(where: { $0.id == id }) else { throw .refused("no proposal \(id) in this forum") }
        guard proposals[index].call == nil else { throw .refused("a vote has been called on this proposal; its text is frozen") }
        return index
    }
}
