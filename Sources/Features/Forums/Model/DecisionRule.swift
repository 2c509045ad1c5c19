import EntenteProtocol

/// How a forum decides: by the silence procedure, by simple majority, or by two-thirds majority.
public enum DecisionMethod: String, Codable, Sendable, CaseIterable {
    /// Adopted unless a member breaks silence (objects) before the deadline: the routine method of the UN and the OSCE.
    case silence
    /// Adopted if more votes are for than against; a tie is not a majority.
    case simpleMajority = "simple-majority"
    /// Adopted if at least two thirds of the votes counted are for.
    case twoThirds = "two-thirds"

    public var label: String {
        switch self {
        case .silence: "Silence procedure"
        case .simpleMajority: "Simple majority"
        case .twoThirds: "Two-thirds majority"
        }
    }
}

/// Whether an abstention weighs in the majority's base.
public enum AbstentionRule: String, Codable, Sendable, CaseIterable {
    /// "Present and not voting": counts towards the quorum, not in the majority's base (the UN General Assembly's rule).
    case notCounted = "not-counted"
    /// Counts as a vote that is not for: in the base, so it weighs like a vote against.
    case countedAgainst = "counted-against"

    public var label: String {
        switch self {
        case .notCounted: "not counted (present and not voting)"
        case .countedAgainst: "counted against"
        }
    }
}

public enum Choice: String, Codable, Sendable, CaseIterable {
    case yes, no, abstain
    /// Breaking silence under the silence procedure.
    case objection
}

public struct DecisionRule: Codable, Sendable, Equatable {
    public var method: DecisionMethod
    /// The share of members, in percent, that must cast a ballot (abstentions included) for a majority vote to count.
    public var quorumPercent: Int
    public var abstentions: AbstentionRule

    public init(method: DecisionMethod, quorumPercent: Int = 50, abstentions: AbstentionRule = .notCounted) {
        self.method = method
        self.quorumPercent = quorumPercent
        self.abstentions = abstentions
    }

    public static let silenceProcedure = DecisionRule(method: .silence, quorumPercent: 0)

    public func validate() throws(DocumentError) {
        guard (0...100).contains(quorumPercent) else { throw .invalid("quorumPercent must be 0 to 100") }
        if method == .silence, quorumPercent != 0 { throw .invalid("the silence procedure has no quorum: quorumPercent must be 0") }
    }

    /// The choices a ballot may make under this rule.
    public var choices: [Choice] { method == .silence ? [.objection] : [.yes, .no, .abstain] }

    /// Members needed for the quorum, rounded up.
    public func quorum(of members: Int) -> Int { (members * quorumPercent + 99) / 100 }
}

/// The count of a vote, computed only from the call, the member list and the signed
/// ballots, so that every node and any verifier gets the same result.
public struct Tally: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        case adopted, rejected
        case noQuorum = "no-quorum"

        public var label: String { self == .noQuorum ? "no quorum" : rawValue }
    }

    public struct Refusal: Codable, Sendable, Equatable {
        public var ballot: String
        public var voter: ParticipantID
        public var reason: String
    }

    public var members: Int
    public var quorum: Int
    public var yes = 0
    public var no = 0
    public var abstain = 0
    public var objections = 0
    public var outcome: Outcome
    /// Ids of the ballots counted, in counting order.
    public var counted: [String] = []
    public var refused: [Refusal] = []

    public var participating: Int { yes + no + abstain + objections }

    /// Counts `ballots` of vote `callID`. Ballots are taken in time order; for each member
    /// the first valid ballot counts and any later one is refused, as is a ballot cast after
    /// the deadline, by a non-member, on another text, or with a choice the rule does not offer.
    public static func count(call: VoteCall, callID: String, members: [ParticipantID], ballots: [RecordEntry]) -> Tally {
        let memberSet = Set(members)
        var tally = Tally(members: memberSet.count, quorum: call.rule.quorum(of: memberSet.count), outcome: .rejected)
        var voted: Set<ParticipantID> = []
        for entry in ballots.sorted(by: RecordEntry.chronological) {
            guard let ballot = entry.decoded(as: Ballot.self), ballot.call == callID else { continue }
            let reason: String? =
                if !memberSet.contains(entry.author) {
                    "\(entry.author) is not a member of the forum"
                } else if entry.atMilliseconds > call.deadlineMilliseconds {
                    "cast at \(entry.at), after the deadline \(call.deadline)"
                } else if ballot.textDigest != call.textDigest {
                    "cast on a different text than the one put to the vote"
                } else if !call.rule.choices.contains(ballot.choice) {
                    "\(ballot.choice.rawValue) is not a choice under \(call.rule.method.rawValue)"
                } else if voted.contains(entry.author) { "\(entry.author) already voted; the first ballot counts" } else { nil }
            if let reason {
                tally.refused.append(Refusal(ballot: entry.id, voter: entry.author, reason: reason))
                continue
            }
            voted.insert(entry.author)
            tally.counted.append(entry.id)
            switch ballot.choice {
            case .yes: tally.yes += 1
            case .no: tally.no += 1
            case .abstain: tally.abstain += 1
            case .objection: tally.objections += 1
            }
        }
        tally.outcome = tally.decide(call.rule)
        return tally
    }

    private func decide(_ rule: DecisionRule) -> Outcome {
        if rule.method == .silence { return objections == 0 ? .adopted : .rejected }
        guard participating >= quorum, participating > 0 else { return .noQuorum }
        let notFor = no + (rule.abstentions == .countedAgainst ? abstain : 0)
        let base = yes + notFor
        switch rule.method {
        case .simpleMajority: return yes > notFor ? .adopted : .rejected
        case .twoThirds: return base > 0 && 3 * yes >= 2 * base ? .adopted : .rejected
        case .silence: return .rejected
        }
    }
}
