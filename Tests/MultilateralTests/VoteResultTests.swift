import EntenteProtocol
import Multilateral
import Testing

@Suite("Published results verify from the signed votes alone")
struct VoteResultTests {
    /// A two-thirds vote with four ballots (one refused as a second ballot), published after the deadline.
    func published() throws -> (ForumFixture, RecordEntry) {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .twoThirds, quorumPercent: 50), deadline: 1000)
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .yes, at: 300)
        try forum.vote("LTU", .no, at: 400)
        try forum.vote("LTU", .yes, at: 500)
        let result = try forum.sign(try forum.resultBody(), at: 1100)
        return (forum, result)
    }

    @Test("A result verifies from its file and agrees with every member's own count")
    func verifies() throws {
        var (forum, result) = try published()
        let body = try forum.resultBody()
        let verified = try VoteResult(verifying: result.document.canonicalBytes)
        #expect(verified.tally.outcome == .adopted)
        #expect((verified.tally.yes, verified.tally.no, verified.tally.refused.count) == (2, 1, 1))
        #expect(verified.tally == forum.tally)
        try forum.write("OSCE", .result, body, at: 1100)
        #expect(forum.state.proposal(forum.proposalID)?.result?.tally.outcome == .adopted)
        #expect(forum.state.refusals.isEmpty)
    }

    @Test("Changing any byte of the file fails verification")
    func anyByte() throws {
        let (_, result) = try published()
        let bytes = result.document.canonicalBytes
        for index in stride(from: 0, to: bytes.count, by: 3) {
            var altered = bytes
            altered[index] ^= 0x01
            #expect(throws: DocumentError.self, "byte \(index)") { try VoteResult(verifying: altered) }
        }
    }

    @Test("An altered ballot fails even when the chair re-signs the result")
    func alteredBallot() throws {
        let (forum, _) = try published()
        var body = try forum.resultBody()
        let flipped = body.ballots[0].canonicalString.replacingOccurrences(of: "\"choice\":\"yes\"", with: "\"choice\":\"no\"")
        body.ballots[0] = try JSONValue(parsing: Array(flipped.utf8))
        let resigned = try forum.sign(body, at: 1100)
        #expect(throws: DocumentError.self) { try VoteResult(verifying: resigned) }
    }

    @Test("A missing ballot fails: the tally no longer matches the signed votes")
    func missingBallot() throws {
        let (forum, _) = try published()
        var body = try forum.resultBody()
        body.ballots.removeFirst()
        let resigned = try forum.sign(body, at: 1100)
        #expect {
            try VoteResult(verifying: resigned)
        } throws: { error in
            "\(error)".contains("does not match the signed ballots")
        }
    }

    @Test("A chair who drops a ballot and recounts is caught by every member holding it")
    func droppedAndRecounted() throws {
        var (forum, _) = try published()
        let everything = forum.state.proposal(forum.proposalID)!.ballots
        let dropped = try forum.resultBody(ballots: Array(everything.dropFirst()))
        let result = try forum.write("OSCE", .result, dropped, at: 1100)
        let recounted = try VoteResult(verifying: result)
        #expect(recounted.tally.yes == 1)
        #expect(forum.state.proposal(forum.proposalID)?.result == nil)
        #expect(forum.state.refusals.first?.reason.contains("leaves out the ballot of EST") == true)
    }

    @Test("A result published before the deadline is refused")
    func early() throws {
        let (forum, _) = try published()
        let early = try forum.sign(try forum.resultBody(), at: 900)
        #expect(throws: DocumentError.self) { try VoteResult(verifying: early) }
    }

    @Test("A ballot signed by another key than the member's fails")
    func forgedBallot() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 25), deadline: 1000)
        try forum.vote("EST", .yes, at: 200)
        var body = try forum.resultBody()
        body.members[0] = .init(participant: body.members[0].participant, keys: NodeKeys().publicKeys)
        let result = try forum.sign(body, at: 1100)
        #expect(throws: DocumentError.self) { try VoteResult(verifying: result) }
    }
}

@Suite("Texts, versions and amendments")
struct AmendmentTests {
    @Test("An accepted amendment becomes the next version; the diff shows the change")
    func acceptedAmendment() throws {
        var forum = try ForumFixture()
        let newText = "The participating States condemn the ransomware attack on two banks and call for restraint."
        let amendment = try forum.write(
            "LVA",
            .amendment,
            Amendment(proposal: forum.proposalID, baseVersion: 1, text: newText, rationale: "stronger"),
            at: 20
        )
        try forum.write("OSCE", .amendmentDecision, AmendmentDecision(amendment: amendment.id, accepted: true), at: 30)
        let proposal = forum.state.proposal(forum.proposalID)!
        #expect(proposal.versions.map(\.number) == [1, 2])
        #expect(proposal.current.text == newText)
        let runs = TextDiff.runs(from: proposal.versions[0].text, to: proposal.versions[1].text)
        #expect(runs.filter { $0.change == .removed }.map(\.text) == ["express concern about "])
        #expect(runs.filter { $0.change == .added }.map(\.text) == ["condemn "])
        #expect(runs.filter { $0.change != .removed }.map(\.text).joined() == newText)
    }

    @Test("An amendment to an old version lapses; only the chair decides; a called vote freezes the text")
    func amendmentRules() throws {
        var forum = try ForumFixture()
        let first = try forum.write(
            "LVA",
            .amendment,
            Amendment(proposal: forum.proposalID, baseVersion: 1, text: "Version two.", rationale: ""),
            at: 20
        )
        let second = try forum.write(
            "LTU",
            .amendment,
            Amendment(proposal: forum.proposalID, baseVersion: 1, text: "Another two.", rationale: ""),
            at: 21
        )
        let byMember = try forum.write("EST", .amendmentDecision, AmendmentDecision(amendment: first.id, accepted: true), at: 25)
        try forum.write("OSCE", .amendmentDecision, AmendmentDecision(amendment: first.id, accepted: true), at: 30)
        let lapsed = try forum.write("OSCE", .amendmentDecision, AmendmentDecision(amendment: second.id, accepted: true), at: 31)
        try forum.call(.silenceProcedure, at: 40)
        let frozen = try forum.write(
            "FIN",
            .amendment,
            Amendment(proposal: forum.proposalID, baseVersion: 2, text: "Too late.", rationale: ""),
            at: 50
        )
        let refused = Dictionary(uniqueKeysWithValues: forum.state.refusals.map { ($0.entry.id, $0.reason) })
        #expect(refused[byMember.id]?.contains("only the chair") == true)
        #expect(refused[lapsed.id]?.contains("now at version 2") == true)
        #expect(refused[frozen.id]?.contains("frozen") == true)
        #expect(forum.state.proposal(forum.proposalID)?.current.text == "Version two.")
    }

    @Test("The forum's state does not depend on arrival order")
    func orderIndependent() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 50))
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .no, at: 300)
        try forum.vote("LTU", .yes, at: 400)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let shuffled = ForumState(id: forum.forumID, entries: forum.entries.shuffled(using: &generator))
            #expect(shuffled.proposal(forum.proposalID)?.tally(members: forum.members) == forum.tally)
        }
    }

    @Test("Bodies with unknown members or out-of-bounds values are refused")
    func malformed() throws {
        let forum = try ForumFixture()
        let key = forum.keys[ForumFixture.id("EST")]!.signing
        let extra: JSONValue = [
            "call": .string(forum.proposalID), "textDigest": .string(String(repeating: "a", count: 64)), "choice": "yes", "weight": 2,
        ]
        #expect(throws: DocumentError.self) {
            try RecordEntry.sign(
                .ballot,
                body: extra,
                in: .forum(forum.forumID),
                author: ForumFixture.id("EST"),
                by: Person(name: "A", role: "b"),
                key: key
            )
        }
        #expect(throws: DocumentError.self) {
            try RecordEntry.sign(
                .commitment,
                body: try Commitment(norm: "gge2015-13f", date: "2026-13-01", document: "x").json,
                in: .publicRecord,
                author: ForumFixture.id("EST"),
                by: Person(name: "A", role: "b"),
                key: key
            )
        }
        #expect(throws: DocumentError.self) {
            try RecordEntry.sign(
                .ballot,
                body: try Ballot(call: forum.proposalID, textDigest: String(repeating: "a", count: 64), choice: .yes).json,
                in: .publicRecord,
                author: ForumFixture.id("EST"),
                by: Person(name: "A", role: "b"),
                key: key
            )
        }
    }
}

@Suite struct IncrementalRecordSpaceTests {
    /// Entries arriving in time order extend the space one by one; whenever extending is
    /// possible it gives the refolded state, and an entry dated before one held is refolded.
    @Test func anExtendedSpaceIsTheRefoldedSpace() throws {
        var forum = try ForumFixture()
        try forum.call(DecisionRule(method: .simpleMajority, quorumPercent: 50))
        try forum.vote("EST", .yes, at: 200)
        try forum.vote("LVA", .no, at: 300)
        try forum.vote("LTU", .yes, at: 400)
        try forum.vote("LTU", .no, at: 500)
        let space = RecordSpace.forum(forum.forumID)
        let reference = RecordSpaceState(space: space, entries: forum.entries)

        var state = RecordSpaceState(space: space, entries: [])
        for entry in forum.entries { state = try #require(state.extended(with: [entry])) }
        #expect(state.forum?.proposal(forum.proposalID)?.tally(members: forum.members) == forum.tally)
        #expect(state.forum?.refusals.count == reference.forum?.refusals.count)
        #expect(state.audience == reference.audience)

        var generator = SystemRandomNumberGenerator()
        var extendedCount = 0
        for _ in 0..<200 {
            let shuffled = forum.entries.shuffled(using: &generator)
            let split = Int.random(in: 0..<shuffled.count, using: &generator)
            let held = RecordSpaceState(space: space, entries: Array(shuffled[..<split]))
            let arriving = Array(shuffled[split...].prefix(2))
            if let extended = held.extended(with: arriving) {
                let refolded = RecordSpaceState(space: space, entries: Array(shuffled[..<split]) + arriving)
                #expect(
                    extended.forum?.proposal(forum.proposalID)?.tally(members: forum.members)
                        == refolded.forum?.proposal(forum.proposalID)?.tally(members: forum.members)
                )
                #expect(extended.forum?.refusals.map(\.entry.id) == refolded.forum?.refusals.map(\.entry.id))
                extendedCount += 1
            } else {
                #expect(arriving.contains { entry in shuffled[..<split].contains { RecordEntry.chronological(entry, $0) } })
            }
        }
        #expect(extendedCount > 0)
        #expect(reference.extended(with: [forum.entries[2]]) == nil, "an entry already held is not applied twice")
    }
}
