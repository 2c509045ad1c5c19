import EntenteProtocol

/// Opens a forum: its host is the author; members are the participants who table, amend and vote.
public struct ForumCharter: RecordBody {
    public static let kind = RecordKind.forum
    public var name: String
    public var mandate: String
    public var members: [ParticipantID]

    public init(name: String, mandate: String, members: [ParticipantID]) {
        self.name = name
        self.mandate = mandate
        self.members = members
    }

    public func validate() throws(DocumentError) {
        try Bounds.text(name, "name", max: 200)
        try Bounds.text(mandate, "mandate", max: 4000, required: false)
        try Bounds.list(members, "members", count: 1...200)
        try Bounds.distinct(members, "members")
    }
}

/// A text tabled by a member: its first version.
public struct Proposal: RecordBody {
    public static let kind = RecordKind.proposal
    public static let maximumTextBytes = 32 * 1024

    public enum Category: String, Codable, Sendable, CaseIterable {
        case statement, norm, agreement, other
    }

    public var title: String
    public var category: Category
    public var text: String
    /// The case a statement of support or condemnation is about.
    public var caseReference: String?

    public init(title: String, category: Category, text: String, caseReference: String? = nil) {
        self.title = title
        self.category = category
        self.text = text
        self.caseReference = caseReference
    }

    public func validate() throws(DocumentError) {
        try Bounds.text(title, "title", max: 300)
        try Bounds.text(text, "text", max: Self.maximumTextBytes)
        if let caseReference { try Bounds.documentID(caseReference, "caseReference") }
    }
}

/// A member proposes to replace a version of a proposal's text with a new one.
public struct Amendment: RecordBody {
    public static let kind = RecordKind.amendment
    public var proposal: String
    /// The version the amendment was written against; it lapses if another is accepted first.
    public var baseVersion: Int
    public var text: String
    public var rationale: String

    public init(proposal: String, baseVersion: Int, text: String, rationale: String) {
        self.proposal = proposal
        self.baseVersion = baseVersion
        self.text = text
        self.rationale = rationale
    }

    public func validate() throws(DocumentError) {
        try Bounds.documentID(proposal, "proposal")
        guard baseVersion >= 1 else { throw .invalid("baseVersion starts at 1") }
        try Bounds.text(text, "text", max: Proposal.maximumTextBytes)
        try Bounds.text(rationale, "rationale", max: 4000, required: false)
    }
}

/// The chair (the forum's host) accepts an amendment, making its text the next version, or rejects it.
public struct AmendmentDecision: RecordBody {
    public static let kind = RecordKind.amendmentDecision
    public var amendment: String
    public var accepted: Bool

    public init(amendment: String, accepted: Bool) {
        self.amendment = amendment
        self.accepted = accepted
    }

    public func validate() throws(DocumentError) { try Bounds.documentID(amendment, "amendment") }
}

/// The chair puts one version of a proposal to a decision under a rule, until a deadline.
public struct VoteCall: RecordBody {
    public static let kind = RecordKind.voteCall
    public var proposal: String
    public var version: Int
    /// SHA-256 of the version's text: what every ballot and the result bind to.
    public var textDigest: String
    public var rule: DecisionRule
    public var deadline: String

    public init(proposal: String, version: Int, textDigest: String, rule: DecisionRule, deadline: String) {
        self.proposal = proposal
        self.version = version
        self.textDigest = textDigest
        self.rule = rule
        self.deadline = deadline
    }

    public var deadlineMilliseconds: Int64 { Timestamp.milliseconds(deadline) ?? 0 }

    public func validate() throws(DocumentError) {
        try Bounds.documentID(proposal, "proposal")
        guard version >= 1 else { throw .invalid("version starts at 1") }
        try Bounds.sha256(textDigest, "textDigest")
        try Bounds.timestamp(deadline, "deadline")
        try rule.validate()
    }
}

/// A member's vote, signed by its node as a record entry.
public struct Ballot: RecordBody {
    public static let kind = RecordKind.ballot
    public var call: String
    public var textDigest: String
    public var choice: Choice

    public init(call: String, textDigest: String, choice: Choice) {
        self.call = call
        self.textDigest = textDigest
        self.choice = choice
    }

    public func validate() throws(DocumentError) {
        try Bounds.documentID(call, "call")
        try Bounds.sha256(textDigest, "textDigest")
    }
}
