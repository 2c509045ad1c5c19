import Cases
import EntenteProtocol
import Foundation
import Testing

@Suite struct CaseLifeCycleTests {
    @Test func theFiveStepsMoveTheCaseThroughItsStages() throws {
        var story = Scenario(["EST", "LVA"])
        try story.write("EST", Scenario.report())
        #expect(story.state.stage == .reported)
        try story.write("EST", .notification(.init(participants: [Scenario.id("LVA")], message: "Concern.", respondBy: story.time(after: 3600))))
        #expect(story.state.stage == .notified)
        #expect(story.state.participants == [Scenario.id("EST"), Scenario.id("LVA")])
        try story.write(
            "LVA",
            .consultation(.init(with: [Scenario.id("EST")], heldAt: story.time(after: 0), minutes: "Call.", outcome: "Investigate."))
        )
        #expect(story.state.stage == .inConsultation)
        try story.write("EST", .referral(.init(forum: "OSCE", reason: "Support.")))
        #expect(story.state.stage == .referred)
        try story.write("EST", .resolution(.init(outcome: "Agreed protocol.")))
        #expect(story.state.stage == .resolved)
        try story.write(
            "EST",
            .followUp(.init(actions: [.init(id: "t", action: "Training", owner: Scenario.id("LVA"), dueBy: story.time(after: 9999))]))
        )
        #expect(story.state.stage == .followUp)
        try story.write("LVA", .followUpDone(.init(action: "t", note: "Held.")))
        try story.write("EST", .closure(.init(outcome: "Resolved by cooperation.")))
        let state = story.state
        #expect(state.stage == .closed)
        #expect(state.timeline.allSatisfy { $0.refusal == nil })
        #expect(state.timeline.map(\.step.rawValue) == [1, 1, 2, 3, 4, 5, 5, 5])
        #expect(state.possibleActions(for: Scenario.id("EST")).isEmpty)
    }

    @Test func impossibleStepsAreRefusedWithTheRule() throws {
        var story = Scenario(["EST", "LVA", "FIN"])
        try story.write("EST", Scenario.report())
        var state = story.state

        func refusal(_ author: String, _ action: CaseAction) throws -> DocumentError? {
            let event = try CaseEvent.sign(
                action,
                caseID: story.caseID,
                owner: story.owner,
                author: Scenario.id(author),
                after: state.heads,
                by: .init(name: "x", role: "diplomatic-poc"),
                key: story.keys[Scenario.id(author)]!
            )
            do {
                try state.apply(event)
                return nil
            } catch { return error }
        }
        // Refer before anybody was notified; resolve or close too early.
        #expect(try refusal("EST", .referral(.init(forum: "UN", reason: "r")))?.description.contains("after notification") == true)
        #expect(try refusal("EST", .closure(.init(outcome: "done")))?.description.contains("after its resolution") == true)
        // A stranger writes into the case.
        #expect(
            try refusal("FIN", .evidence(.init(description: "d", indicators: [.init(type: "domain-name", value: "x.example")], tlp: .green)))
                == .notAParticipant("FIN is not a participant of this case")
        )
        #expect(try refusal("EST", .notification(.init(participants: [Scenario.id("LVA")], message: "m", respondBy: story.time(after: 1)))) == nil)
        // Only the owner invites, resolves and closes; nobody is invited twice.
        #expect(
            try refusal("LVA", .notification(.init(participants: [Scenario.id("FIN")], message: "m", respondBy: story.time(after: 1))))?
                .description.contains("only the case's owner") == true
        )
        #expect(
            try refusal("EST", .notification(.init(participants: [Scenario.id("LVA")], message: "m", respondBy: story.time(after: 1))))?
                .description.contains("already take part") == true
        )
        #expect(try refusal("LVA", .resolution(.init(outcome: "o")))?.description.contains("only the case's owner") == true)
        #expect(
            try refusal("EST", .request(.init(to: [Scenario.id("FIN")], asks: [.logs], details: "d", dueBy: story.time(after: 1))))?
                .description.contains("not to FIN") == true
        )
        #expect(try refusal("EST", .resolution(.init(outcome: "o"))) == nil)
        #expect(
            try refusal("EST", .followUp(.init(actions: [.init(id: "a", action: "x", owner: Scenario.id("LVA"), dueBy: story.time(after: 1))])))
                == nil
        )
        #expect(try refusal("EST", .closure(.init(outcome: "done")))?.description.contains("1 follow-up action(s) still open: a") == true)
        #expect(try refusal("EST", .followUpDone(.init(action: "a", note: "")))?.description.contains("owned by LVA") == true)
        #expect(try refusal("LVA", .followUpDone(.init(action: "a", note: ""))) == nil)
        #expect(try refusal("EST", .closure(.init(outcome: "done"))) == nil)
        #expect(
            try refusal("LVA", .evidence(.init(description: "late", indicators: [.init(type: "t", value: "v")], tlp: .green)))?
                .description == "the case is closed"
        )
    }

    @Test func invalidBodiesAreRefusedBeforeSigning() throws {
        let key = Curve25519Key.make()
        #expect(throws: DocumentError.self) {
            try CaseEvent.sign(
                .request(.init(to: [], asks: [.logs], details: "d", dueBy: Timestamp.format(Date()))),
                caseID: nil,
                owner: Scenario.id("EST"),
                author: Scenario.id("EST"),
                after: [],
                by: .init(name: "n", role: "r"),
                key: key
            )
        }
        #expect(throws: DocumentError.self) {
            try CaseEvent.sign(
                .evidence(.init(description: "d", files: [.init(name: "f", sha256: "ABC", tlp: .red)], tlp: .red)),
                caseID: nil,
                owner: Scenario.id("EST"),
                author: Scenario.id("EST"),
                after: [],
                by: .init(name: "n", role: "r"),
                key: key
            )
        }
        // A report must open its case, and nothing else may.
        #expect(throws: DocumentError.self) {
            try CaseEvent.sign(
                .resolution(.init(outcome: "o")),
                caseID: nil,
                owner: Scenario.id("EST"),
                author: Scenario.id("EST"),
                after: [],
                by: .init(name: "n", role: "r"),
                key: key
            )
        }
    }

    @Test func dueItemsFollowTheAnswers() throws {
        let story = try Scenario.fullStory()
        let state = story.state
        #expect(state.stage == .followUp)
        let due = state.dueItems
        #expect(due.map(\.kind) == [.followUp])
        #expect(due.first?.owedBy == Scenario.id("LVA"))
        #expect(due.first?.isOverdue(atMilliseconds: Timestamp.milliseconds(story.time(after: 31 * 86_400))!) == true)
        #expect(due.first?.isOverdue(atMilliseconds: Timestamp.milliseconds(story.time(after: 0))!) == false)
        #expect(state.requests.first?.answered(by: Scenario.id("LVA")) == true)
    }
}

@Suite struct CaseConvergenceTests {
    /// Whatever order and however often the events arrive, the state is the same.
    @Test func anyArrivalOrderWithDuplicatesGivesTheSameState() throws {
        let story = try Scenario.fullStory()
        let reference = story.state
        #expect(reference.timeline.allSatisfy { $0.refusal == nil })
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var delivered = story.events + story.events.filter { _ in Bool.random(using: &generator) }
            delivered.shuffle(using: &generator)
            #expect(CaseState(id: story.caseID, events: delivered) == reference)
        }
    }

    @Test func eventsWaitForTheEventsTheyFollow() throws {
        let story = try Scenario.fullStory()
        let missing = story.events[1]  // the notification: everything after it depends on it
        let partial = CaseState(id: story.caseID, events: story.events.filter { $0.id != missing.id })
        #expect(partial.stage == .reported)
        #expect(partial.waiting.count == story.events.count - 2)
        #expect(CaseState(id: story.caseID, events: story.events.filter { $0.id != missing.id } + [missing]) == story.state)
    }

    @Test func concurrentEventsAreOrderedTheSameEverywhere() throws {
        var story = Scenario(["EST", "LVA", "LTU"])
        try story.write("EST", Scenario.report())
        let notification = try story.write(
            "EST",
            .notification(
                .init(
                    participants: [Scenario.id("LVA"), Scenario.id("LTU")],
                    message: "m",
                    respondBy: story.time(after: 60)
                )
            )
        )
        // LVA and LTU answer at the same moment without seeing each other's event.
        let heads = story.state.heads
        let answers = try ["LVA", "LTU"].map { author in
            try CaseEvent.sign(
                .acknowledgement(.init(notification: notification.id)),
                caseID: story.caseID,
                owner: story.owner,
                author: Scenario.id(author),
                after: heads,
                by: .init(name: "n", role: "r"),
                key: story.keys[Scenario.id(author)]!,
                now: Scenario.start.addingTimeInterval(500)
            )
        }
        let one = CaseState(id: story.caseID, events: story.events + answers)
        let other = CaseState(id: story.caseID, events: answers.reversed() + story.events)
        #expect(one == other)
        #expect(one.heads.count == 2)
        #expect(one.notifications.first?.acknowledgedBy.count == 2)
    }
}

@Suite struct CaseEventIntegrityTests {
    @Test func aForgedOrAlteredEventFailsVerification() throws {
        let story = try Scenario.fullStory()
        let event = story.events[3]
        try event.verify(with: story.keys[event.author]!.publicKey)
        // Signed by somebody else's key.
        #expect(throws: DocumentError.self) { try event.verify(with: story.keys[Scenario.id("LTU")]!.publicKey) }
        // One member altered after signing.
        for (member, value) in [("at", JSONValue.string(Timestamp.format(Date()))), ("author", "LTU"), ("body", ["x": 1])] {
            guard case .object(var members) = event.document else { return }
            members[member] = value
            if let altered = try? CaseEvent(document: .object(members)) {
                #expect(throws: DocumentError.self) { try altered.verify(with: story.keys[event.author]!.publicKey) }
            }
        }
        guard case .object(var members) = event.document else { return }
        members["body"] = ["request": .string(event.id), "decision": "accepted", "content": "altered"]
        members["kind"] = "response"
        let altered = try CaseEvent(document: .object(members))
        #expect(throws: DocumentError.self) { try altered.verify(with: story.keys[event.author]!.publicKey) }
    }

    @Test func malformedDocumentsAreRefusedWithTheirReason() throws {
        let story = try Scenario.fullStory()
        guard case .object(let members) = story.events[2].document else { return }
        var unknown = members
        unknown["extra"] = 1
        #expect(throws: DocumentError.invalid("unknown member extra")) { try CaseEvent(document: .object(unknown)) }
        var unsorted = members
        unsorted["after"] = .array([.string(story.events[1].id), .string(story.events[0].id)])
        #expect(throws: DocumentError.invalid("after must be sorted, distinct event ids")) { try CaseEvent(document: .object(unsorted)) }
        var kind = members
        kind["kind"] = "coup"
        #expect(throws: DocumentError.invalid("unknown kind coup")) { try CaseEvent(document: .object(kind)) }
    }
}

@Suite struct IncrementalCaseStateTests {
    /// Events arriving in their own order extend the state one by one, never refolding it.
    @Test func eventsInOrderExtendTheStateOneByOne() throws {
        let story = try Scenario.fullStory()
        var state = CaseState(id: story.caseID)
        for event in story.events {
            state = try #require(state.extended(with: [event]), "event \(event.action.kind) should extend the state")
        }
        #expect(state == story.state)
    }

    /// Whenever extending is possible it gives exactly the state refolded from every event;
    /// when it is not (an event waits, or sorts before one held), it says so.
    @Test func anExtendedStateIsTheRefoldedState() throws {
        let story = try Scenario.fullStory()
        var generator = SystemRandomNumberGenerator()
        var extendedCount = 0
        var refusedCount = 0
        for _ in 0..<300 {
            let shuffled = story.events.shuffled(using: &generator)
            let split = Int.random(in: 0...shuffled.count, using: &generator)
            let held = CaseState(id: story.caseID, events: shuffled[..<split])
            let arriving = Array(shuffled[split...].prefix(Int.random(in: 1...3, using: &generator)))
            let refolded = CaseState(id: story.caseID, events: shuffled[..<split] + arriving)
            if let extended = held.extended(with: arriving) {
                #expect(extended == refolded)
                extendedCount += 1
            } else {
                refusedCount += 1
            }
        }
        #expect(extendedCount > 0 && refusedCount > 0)
    }

    @Test func anEventDatedBeforeTheLatestIsNotAppendedButRefolded() throws {
        var story = Scenario(["EST", "LVA"])
        try story.write("EST", Scenario.report())
        let notification = try story.write(
            "EST",
            .notification(.init(participants: [Scenario.id("LVA")], message: "m", respondBy: story.time(after: 600)))
        )
        let late = try CaseEvent.sign(
            .evidence(.init(description: "d", files: [], indicators: [.init(type: "ipv4-addr", value: "198.51.100.7")], tlp: .amber)),
            caseID: story.caseID,
            owner: story.owner,
            author: Scenario.id("EST"),
            after: [story.events[0].id],
            by: .init(name: "n", role: "r"),
            key: story.keys[Scenario.id("EST")]!,
            now: Scenario.start.addingTimeInterval(1)
        )
        #expect(story.state.extended(with: [late]) == nil)
        let refolded = CaseState(id: story.caseID, events: story.events + [late])
        #expect(refolded.timeline.map(\.event.id) == [story.events[0].id, late.id, notification.id])
    }
}
