import EntenteProtocol
import Multilateral
import Testing

@Suite("Decision rules and their edges")
struct DecisionRuleTests {
    @Test("Silence procedure: adopted when nobody objects in time")
    func silenceKept() throws {
        var forum = try ForumFixture()
        try forum.call(.silenceProcedure)
        #expect(forum.tally.outcome == .adopted)
        #expect(forum.tally.participating == 0)
    }

    @Test("Silence procedure: one objection before the deadline breaks silence")
    func silenceBroken() throws {
        var forum = try ForumFixture()
        try forum.call(.silenceProcedure, deadline: 1000)
        try forum.vote("LTU", .objection, at: 999)
        #expect(forum.tally.outcome == .rejected)
        #expect(forum.tally.objections == 1)
    }

    @Test("Silence procedure: an objection after the deadline is refused and silence holds")
    func silenceLateObjection() throws {
        var forum = try ForumFixture()
        try forum.call(.silenceProcedure, deadline: 1000)
        let late = try forum.vote("LTU", .objection, at: 1001)
        #expect(forum.tally.outcome == .adopted)
        #expect(forum.tally.refused.map(\.ballot) == [late.id])
        #expect(forum.tally.refused[0].reason.contains("after the deadline"))
    }

    @Test("Silence procedure offers no yes/no vote")
    func silenceChoices() throws {
        var forum = try ForumFixture()
        try forum.call(.silenceProcedure)
        try forum.vote("EST", .no, at: 200)
        #expect(forum.tally.outcome == .adopted)
        #expect(forum.tally.refused.first?.reason.contains("not a choice") == true)
    }

    @Test("Simple majority: more for than against adopts; a tie does not")
    func simpleMajority() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 50))
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .yes, at: 210)
        try forum.vote("LTU", .no, at: 220)
        #expect(forum.tally.outcome == .adopted)
        try forum.vote("FIN", .no, at: 230)
        #expect(forum.tally.outcome == .rejected)
        #expect((forum.tally.yes, forum.tally.no) == (2, 2))
    }

    @Test("Quorum: one member short means no quorum; exactly the quorum counts")
    func quorum() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 75))
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .yes, at: 210)
        #expect(forum.tally.quorum == 3)
        #expect(forum.tally.outcome == .noQuorum)
        try forum.vote("LTU", .abstain, at: 220)
        #expect(forum.tally.outcome == .adopted)
    }

    @Test("Quorum rounds up: 50% of 3 members needs 2")
    func quorumRoundsUp() throws {
        var forum = try ForumFixture(members: ["EST", "LVA", "LTU"])
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 50))
        try forum.vote("EST", .yes, at: 200)
        #expect(forum.tally.quorum == 2)
        #expect(forum.tally.outcome == .noQuorum)
    }

    @Test("Abstentions: not counted they leave the base; counted against they weigh as no")
    func abstentions() throws {
        for (rule, expected) in [(AbstentionRule.notCounted, Tally.Outcome.adopted), (.countedAgainst, .rejected)] {
            var forum = try ForumFixture()
            try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 50, abstentions: rule))
            try forum.vote("EST", .yes, at: 200)
            try forum.vote("LVA", .abstain, at: 210)
            try forum.vote("LTU", .abstain, at: 220)
            #expect(forum.tally.outcome == expected, "\(rule)")
        }
    }

    @Test("All abstaining is not a majority")
    func allAbstain() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 50))
        try forum.vote("EST", .abstain, at: 200)
        try forum.vote("LVA", .abstain, at: 210)
        #expect(forum.tally.outcome == .rejected)
    }

    @Test("Two thirds: exactly two thirds adopts, less does not")
    func twoThirds() throws {
        var forum = try ForumFixture(members: ["EST", "LVA", "LTU", "FIN", "POL"])
        try forum.call(DecisionRule(method: .twoThirds, quorumPercent: 50))
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .yes, at: 210)
        try forum.vote("LTU", .no, at: 220)
        #expect(forum.tally.outcome == .adopted)
        try forum.vote("FIN", .yes, at: 230)
        try forum.vote("POL", .no, at: 240)
        #expect((forum.tally.yes, forum.tally.no) == (3, 2))
        #expect(forum.tally.outcome == .rejected)
    }

    @Test("Two thirds with abstentions counted against")
    func twoThirdsAbstentions() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .twoThirds, quorumPercent: 50, abstentions: .countedAgainst))
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .yes, at: 210)
        try forum.vote("LTU", .abstain, at: 220)
        try forum.vote("FIN", .no, at: 230)
        #expect(forum.tally.outcome == .rejected)
    }

    @Test("A vote after the deadline is refused")
    func lateVote() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 25), deadline: 1000)
        try forum.vote("EST", .yes, at: 1000)
        let late = try forum.vote("LVA", .no, at: 1001)
        #expect(forum.tally.yes == 1 && forum.tally.no == 0)
        #expect(forum.tally.refused.map(\.ballot) == [late.id])
    }

    @Test("A member voting twice: the first ballot counts, the second is refused")
    func votingTwice() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 25))
        let first = try forum.vote("EST", .yes, at: 200)
        let second = try forum.vote("EST", .no, at: 300)
        #expect(forum.tally.counted == [first.id])
        #expect(forum.tally.refused.map(\.ballot) == [second.id])
        #expect(forum.tally.refused[0].reason.contains("already voted"))
        #expect(forum.tally.outcome == .adopted)
    }

    @Test("A non-member's ballot is refused by the forum and by the count")
    func nonMember() throws {
        var forum = try ForumFixture()
        let call = try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 25))
        let intruder = try forum.vote("XYZ", .no, at: 200)
        #expect(forum.state.refusals.map(\.entry.id) == [intruder.id])
        let direct = Tally.count(call: call.decoded(as: VoteCall.self)!, callID: call.id, members: forum.members, ballots: [intruder])
        #expect(direct.refused.first?.reason.contains("not a member") == true)
        #expect(direct.outcome == .noQuorum)
    }

    @Test("A ballot on another text than the one called is refused")
    func otherText() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 25))
        try forum.vote("EST", .yes, at: 200, digest: Digest.sha256(of: "another text"))
        #expect(forum.tally.refused.first?.reason.contains("different text") == true)
    }

    @Test("Only the chair calls a vote; silence has no quorum")
    func callRules() throws {
        var forum = try ForumFixture()
        let current = forum.state.proposal(forum.proposalID)!.current
        let byMember = try forum.write(
            "EST",
            .voteCall,
            VoteCall(proposal: forum.proposalID, version: 1, textDigest: current.digest, rule: .silenceProcedure, deadline: forum.time(500)),
            at: 50
        )
        #expect(forum.state.refusals.map(\.entry.id) == [byMember.id])
        #expect(throws: DocumentError.self) { try DecisionRule(method: .silence, quorumPercent: 50).validate() }
    }
}
