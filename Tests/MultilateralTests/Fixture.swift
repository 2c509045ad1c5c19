import Crypto
import EntenteProtocol
import Foundation
import Multilateral

/// Participants with their own keys writing entries into one forum, the way their
/// nodes would, without the network. Time is explicit: seconds after `start`.
struct ForumFixture {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)
    let keys: [ParticipantID: NodeKeys]
    let host: ParticipantID
    let members: [ParticipantID]
    private(set) var entries: [RecordEntry] = []

    static func id(_ text: String) -> ParticipantID { ParticipantID(text)! }

    init(host: String = "OSCE", members: [String] = ["EST", "LVA", "LTU", "FIN"], text: String = ForumFixture.draft) throws {
        self.host = Self.id(host)
        self.members = members.map(Self.id)
        var keys = Dictionary(uniqueKeysWithValues: (members + [host, "XYZ"]).map { (Self.id($0), NodeKeys()) })
        keys[Self.id(host)] = keys[Self.id(host)] ?? NodeKeys()
        self.keys = keys
        try write(host, .forum, ForumCharter(name: "Informal Working Group", mandate: "Cyber CBMs", members: self.members), at: 0)
        try write(members[0], .proposal, Proposal(title: "Joint statement on the bank ransomware", category: .statement, text: text), at: 10)
    }

    static let draft = "The participating States express concern about the ransomware attack on two banks and call for restraint."

    var forumID: String { entries[0].id }
    var proposalID: String { entries[1].id }
    var state: ForumState { ForumState(id: forumID, entries: entries) }

    func date(_ seconds: Int) -> Date { Self.start.addingTimeInterval(TimeInterval(seconds)) }
    func time(_ seconds: Int) -> String { Timestamp.format(date(seconds)) }

    @discardableResult
    mutating func write(_ author: String, _ kind: RecordKind, _ body: some RecordBody, at seconds: Int) throws -> RecordEntry {
        let space: RecordSpace? = kind == .forum ? nil : .forum(entries[0].id)
        let entry = try RecordEntry.sign(
            kind,
            body: try body.json,
            in: space,
            author: Self.id(author),
            by: Person(name: "Delegate of \(author)", role: "diplomatic-poc"),
            key: keys[Self.id(author)]!.signing,
            now: date(seconds)
        )
        entries.append(entry)
        return entry
    }

    /// The chair calls a vote on the current text, closing at `deadline` seconds.
    @discardableResult
    mutating func call(_ rule: DecisionRule, deadline: Int = 1000, at seconds: Int = 100) throws -> RecordEntry {
        let current = state.proposal(proposalID)!.current
        return try write(
            host.rawValue,
            .voteCall,
            VoteCall(proposal: proposalID, version: current.number, textDigest: current.digest, rule: rule, deadline: time(deadline)),
            at: seconds
        )
    }

    var callEntry: RecordEntry { entries.last { $0.kind == .voteCall }! }

    @discardableResult
    mutating func vote(_ member: String, _ choice: Choice, at seconds: Int, digest: String? = nil) throws -> RecordEntry {
        let call = callEntry.decoded(as: VoteCall.self)!
        return try write(member, .ballot, Ballot(call: callEntry.id, textDigest: digest ?? call.textDigest, choice: choice), at: seconds)
    }

    var tally: Tally { state.proposal(proposalID)!.tally(members: members)! }

    /// The chair's result, counting the ballots given (all held ones by default).
    func resultBody(ballots: [RecordEntry]? = nil) throws -> VoteResult.Body {
        let proposal = state.proposal(proposalID)!
        return try VoteResult.body(
            forumName: state.name,
            proposalTitle: proposal.proposal.title,
            text: proposal.current.text,
            callEntry: callEntry,
            host: .init(participant: host, keys: keys[host]!.publicKeys),
            members: members.map { .init(participant: $0, keys: keys[$0]!.publicKeys) },
            ballots: ballots ?? proposal.ballots
        )
    }

    func sign(_ body: VoteResult.Body, at seconds: Int) throws -> RecordEntry {
        try RecordEntry.sign(
            .result,
            body: try body.json,
            in: .forum(forumID),
            author: host,
            by: Person(name: "Chair", role: "chair"),
            key: keys[host]!.signing,
            now: date(seconds)
        )
    }
}
