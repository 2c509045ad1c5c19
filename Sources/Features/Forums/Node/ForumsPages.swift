import WebInterface

/// The forums this node takes part in, and the form that opens one.
struct ForumListPage: Page {
    static let template = "forums"

    struct Row: PageModel {
        let id: String
        let name: String
        let host: String
        let members: String
        let proposals: Int
        let openVotes: Int
    }

    let forums: [Row]
    let hasForums: Bool
    /// The participants who may be members, those ticked in a refused form checked.
    let participants: [Option]
    let typed: CharterForm?
    let error: String?
}

/// The open-forum form, as posted.
struct CharterForm: Decodable, PageModel {
    var name: String?
    var mandate: String?
    var member: [String]?
}

/// Every form of a forum's page, as posted: `kind` says which.
struct ForumEntryForm: RecordEntryForm {
    var kind: String?
    var title: String?
    var category: String?
    var text: String?
    var caseReference: String?
    var proposal: String?
    var baseVersion: String?
    var rationale: String?
    var amendment: String?
    var accepted: String?
    var minutes: String?
    var method: String?
    var quorum: String?
    var abstentions: String?
    var call: String?
    var choice: String?
}

/// One forum: each proposal's versions and their differences, amendments, the vote and its result.
struct ForumPage: Page {
    static let template = "forum"

    struct Forum: PageModel {
        let id: String
        let name: String
        let mandate: String?
        let host: String
        let members: String
    }

    struct Proposal: PageModel {
        let id: String
        let title: String
        let category: String
        let tabledBy: String
        let caseReference: String?
        let current: Int
        let currentText: String
        let versions: [Version]
        let amendments: [Amendment]
        let canAmend: Bool
        let canCall: Bool
        let vote: Vote?
        /// A refused amendment or vote call on this proposal, as typed.
        let amendment: ForumEntryForm?
        let voteCall: ForumEntryForm?
    }

    struct Version: PageModel {
        let number: Int
        let text: String
        let digest: String
        let by: String
        let at: String
        let hasDiff: Bool
        let diff: [Run]
    }

    /// A stretch of text that is the same in both versions, or added, or removed.
    struct Run: PageModel {
        let text: String
        let same: Bool
        let added: Bool
        let removed: Bool
    }

    struct Amendment: PageModel {
        let id: String
        let by: String
        let base: Int
        let text: String
        let rationale: String?
        let status: String
        let canDecide: Bool
    }

    struct Vote: PageModel {
        let call: String
        let method: String
        let quorumPercent: Int
        let abstentions: String
        let deadline: String
        let version: Int
        let isOpen: Bool
        let canVote: Bool
        let voted: Bool
        let choices: [Option]
        let yes: Int
        let no: Int
        let abstain: Int
        let objections: Int
        let quorum: Int
        let memberCount: Int
        let participating: Int
        let outcome: String
        let ballots: [Ballot]
        let hasBallots: Bool
        let refused: [Refused]
        let hasRefused: Bool
        let canPublish: Bool
        let result: Result?
    }

    struct Ballot: PageModel {
        let voter: String
        let at: String
        let choice: String
    }

    struct Refused: PageModel {
        let voter: String
        let reason: String
    }

    struct Result: PageModel {
        let outcome: String
        let at: String
    }

    /// An entry that arrived but has no effect, and why.
    struct Refusal: PageModel {
        let author: String
        let kind: String
        let reason: String
    }

    let forum: Forum
    let proposals: [Proposal]
    let hasProposals: Bool
    let canTable: Bool
    let categories: [Option]
    let methods: [Option]
    let abstentionRules: [Option]
    let refusals: [Refusal]
    let hasRefusals: Bool
    /// A refused proposal, as typed.
    let tabling: ForumEntryForm?
    let error: String?
}
