import EntenteProtocol
import Foundation

/// A vote's published result: the chair's signed call, the text voted on, every member's
/// keys, every signed ballot, and the tally. Anyone can check it from the file alone
/// (`entente verify FILE`): the chair's signature, each ballot's signature, and a recount
/// that must give the published tally (docs/PROTOCOL.md, "Votes and results").
public struct VoteResult: Sendable, Equatable {
    public struct Member: Codable, Sendable, Equatable {
        public var participant: ParticipantID
        public var keys: JSONValue

        public init(participant: ParticipantID, keys: PublicKeys) {
            self.participant = participant
            self.keys = keys.json
        }
    }

    /// The body of a `result` entry.
    public struct Body: RecordBody {
        public static let kind = RecordKind.result
        public var forumName: String
        public var proposalTitle: String
        /// The chair's signed `vote-call` entry.
        public var call: JSONValue
        /// The text put to the vote; its SHA-256 is the call's `textDigest`.
        public var text: String
        public var host: Member
        public var members: [Member]
        /// Every signed ballot of the vote, counted or refused.
        public var ballots: [JSONValue]
        public var tally: Tally

        public func validate() throws(DocumentError) {
            try Bounds.text(forumName, "forumName", max: 200)
            try Bounds.text(proposalTitle, "proposalTitle", max: 300)
            try Bounds.text(text, "text", max: Proposal.maximumTextBytes)
            try Bounds.list(members, "members", count: 1...200)
            try Bounds.list(ballots, "ballots", count: 0...1000)
        }
    }

    public let entry: RecordEntry
    public let body: Body
    public let callEntry: RecordEntry
    public let call: VoteCall
    public let ballots: [RecordEntry]

    public var tally: Tally { body.tally }
    public var host: ParticipantID { entry.author }
    public var fileBytes: [UInt8] { entry.document.canonicalBytes }

    /// The chair's result for `callEntry`: the ballots are counted here, so the body always matches them.
    public static func body(
        forumName: String,
        proposalTitle: String,
        text: String,
        callEntry: RecordEntry,
        host: VoteResult.Member,
        members: [VoteResult.Member],
        ballots: [RecordEntry]
    ) throws(DocumentError) -> Body {
        guard let call = callEntry.decoded(as: VoteCall.self) else { throw .invalid("\(callEntry.id) is not a vote call") }
        let tally = Tally.count(call: call, callID: callEntry.id, members: members.map(\.participant), ballots: ballots)
        return Body(
            forumName: forumName,
            proposalTitle: proposalTitle,
            call: callEntry.document,
            text: text,
            host: host,
            members: members.sorted { $0.participant < $1.participant },
            ballots: ballots.sorted(by: RecordEntry.chronological).map(\.document),
            tally: tally
        )
    }

    /// Reads an exported result file; any altered byte, altered ballot or missing ballot fails.
    public init(verifying bytes: some Collection<UInt8>) throws(DocumentError) {
        guard bytes.count <= 4 << 20 else { throw .invalid("a result file is at most 4 MiB") }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .invalid("not JSON: \(error.description)") }
        guard json.canonicalBytes.elementsEqual(bytes) else {
            throw .invalid("the file is not in RFC 8785 canonical form: it was altered after export")
        }
        try self.init(verifying: try RecordEntry(document: json))
    }

    /// Verifies a `result` entry from its own content.
    public init(verifying entry: RecordEntry) throws(DocumentError) {
        guard entry.kind == .result, let body = entry.decoded(as: Body.self) else { throw .invalid("not a vote result") }
        let hostKeys = try Self.keys(of: body.host)
        guard body.host.participant == entry.author else {
            throw .invalid("the result names \(body.host.participant) as chair but is signed by \(entry.author)")
        }
        do { try entry.verify(with: hostKeys.signing) } catch { throw .invalid("the chair's signature does not verify: the result was altered") }

        let callEntry = try RecordEntry(document: body.call)
        guard let call = callEntry.decoded(as: VoteCall.self), callEntry.author == entry.author, callEntry.space == entry.space else {
            throw .invalid("the result must carry its forum chair's vote call")
        }
        do { try callEntry.verify(with: hostKeys.signing) } catch { throw .invalid("the vote call's signature does not verify") }
        guard Digest.sha256(of: body.text) == call.textDigest else { throw .invalid("the text is not the one put to the vote") }
        guard entry.atMilliseconds > call.deadlineMilliseconds else {
            throw .invalid("the result was published before the deadline \(call.deadline)")
        }

        var memberKeys: [ParticipantID: PublicKeys] = [:]
        for member in body.members { memberKeys[member.participant] = try Self.keys(of: member) }
        guard memberKeys.count == body.members.count else { throw .invalid("a member is listed twice") }
        var ballots: [RecordEntry] = []
        for document in body.ballots {
            let ballot = try RecordEntry(document: document)
            guard ballot.kind == .ballot, ballot.space == entry.space, ballot.decoded(as: Ballot.self)?.call == callEntry.id else {
                throw .invalid("entry \(ballot.id) is not a ballot of this vote")
            }
            guard let keys = memberKeys[ballot.author] else { throw .invalid("ballot \(ballot.id) is by \(ballot.author), who is not a member") }
            do { try ballot.verify(with: keys.signing) } catch { throw .invalid("the ballot of \(ballot.author) does not verify: it was altered") }
            ballots.append(ballot)
        }
        guard Set(ballots.map(\.id)).count == ballots.count else { throw .invalid("a ballot is included twice") }
        let recount = Tally.count(call: call, callID: callEntry.id, members: Array(memberKeys.keys), ballots: ballots)
        guard recount == body.tally else {
            throw .invalid(
                "the published tally (\(Self.summary(body.tally))) does not match the signed ballots (\(Self.summary(recount))): a ballot is missing or was changed"
            )
        }
        self.entry = entry
        self.body = body
        self.callEntry = callEntry
        self.call = call
        self.ballots = ballots
    }

    /// Ballots among `held` that were cast in time by a member but are not in the result.
    public func leavesOut(_ held: [RecordEntry]) -> [RecordEntry] {
        let included = Set(ballots.map(\.id))
        let members = Set(body.members.map(\.participant))
        return held.filter { ballot in
            ballot.decoded(as: Ballot.self)?.call == callEntry.id && members.contains(ballot.author)
                && ballot.atMilliseconds <= call.deadlineMilliseconds && !included.contains(ballot.id)
        }
    }

    public static func summary(_ tally: Tally) -> String {
        "\(tally.outcome.rawValue): yes \(tally.yes), no \(tally.no), abstain \(tally.abstain), objections \(tally.objections)"
    }

    private static func keys(of member: Member) throws(DocumentError) -> PublicKeys {
        do { return try PublicKeys(json: member.keys) } catch { throw .invalid("the keys of \(member.participant) are malformed") }
    }
}
