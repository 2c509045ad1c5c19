import WebInterface

/// The report form that opens a case, as posted.
struct OpenCaseForm: Decodable, PageModel {
    var title: String?
    var summary: String?
    var sector: [String]?
    var impact: String?
    var status: String?
    var tlp: String?
    var exercise: String?
}

/// Every step form of a case's page, as posted: `kind` says which. Member names follow the event body
/// (docs/PROTOCOL.md); lists are posted as `name[]`.
struct CaseEventForm: Decodable, PageModel {
    var kind: String?
    var statement: String?
    var title: String?
    var text: String?
    var attribution: String?
    var participant: [String]?
    var message: String?
    var within: String?
    var notification: String?
    var to: [String]?
    var ask: [String]?
    var details: String?
    var desk: String?
    var request: String?
    var decision: String?
    var content: String?
    var description: String?
    var files: String?
    var indicators: String?
    var tlp: String?
    var with: [String]?
    var minutes: String?
    var outcome: String?
    var forum: String?
    var reason: String?
    var actorKind: String?
    var actorName: String?
    var basis: [String]?
    var likelihood: String?
    var confidence: String?
    var summary: String?
    var actionID: String?
    var owner: String?
    var action: String?
    var note: String?
}

/// The cases this node takes part in, the escalations, and the form that reports an incident.
struct CaseListPage: Page {
    static let template = "cases"

    struct Row: PageModel {
        let id: String
        let title: String
        let stage: String
        let owner: String
        let participants: String
        /// Items still owed by someone.
        let open: Int
        let overdue: Int?
        let exercise: Bool
        let tlpLabel: String
        let tlpClass: String
    }

    let cases: [Row]
    let hasCases: Bool
    let sectors: [Option]
    let impacts: [Option]
    let statuses: [Option]
    let tlps: [Option]
    let escalations: [CasePage.Escalation]
    let hasEscalations: Bool
    let refreshSeconds: Int
    /// A refused report, as typed.
    let typed: OpenCaseForm?
    let error: String?
}

/// One case: its report, the timeline under the five steps, what is due, and the steps this node may take.
struct CasePage: Page {
    static let template = "case"

    struct Case: PageModel {
        let id: String
        let title: String
        let stage: String
        let owner: String
        let participants: String
        let exercise: Bool
        let tlpLabel: String
        let tlpClass: String
        let summary: String
        let sectors: String
        let impact: String
        let status: String
        let firstSeen: String
        /// Events held back until the events they follow arrive.
        let waiting: Int?
    }

    struct Step: PageModel {
        let label: String
        let entries: [Entry]
        let hasEntries: Bool
    }

    struct Entry: PageModel {
        let id: String
        let at: String
        let author: String
        let by: String
        let kind: String
        let text: String
        /// Why the event has no effect, when the case's rules refused it.
        let refusal: String?
    }

    struct Due: PageModel {
        let summary: String
        let owedBy: String
        let askedBy: String
        let dueBy: String
        let desk: String
        let overdue: Bool
        let mine: Bool
    }

    struct Request: PageModel {
        let id: String
        let from: String
        let to: String
        let asks: String
        let details: String
        let dueBy: String
        let status: String
        let responses: [Response]
    }

    struct Response: PageModel {
        let from: String
        let decision: String
        let content: String
    }

    struct Evidence: PageModel {
        let from: String
        let description: String
        let tlpLabel: String
        let tlpClass: String
        let files: [File]
        let indicators: [Indicator]
    }

    struct File: PageModel {
        let name: String
        let sha256: String
    }

    struct Indicator: PageModel {
        let type: String
        let value: String
    }

    struct Attribution: PageModel {
        let by: String
        let actor: String
        let actorKind: String
        let basis: String
        let likelihood: String
        /// The likelihood word's probability range (ICD 203).
        let range: String
        let confidence: String
        let summary: String
    }

    struct Statement: PageModel {
        let id: String
        let title: String
        let text: String
        let proposedBy: String
        let signers: String
        let canCosign: Bool
    }

    struct Action: PageModel {
        let id: String
        let action: String
        let owner: String
        let dueBy: String
        let done: String
    }

    struct Norm: PageModel {
        let norm: String
        let title: String
        let by: String
        let against: String
    }

    struct Escalation: PageModel {
        let caseID: String
        let summary: String
        let raisedAt: String
    }

    /// Something owed by this node that a step form answers: a notification, a request, an action.
    struct Pending: PageModel {
        let id: String
        let text: String
    }

    /// The step forms: which this node may take now (`can`, by event kind), which was refused (`retry`) and what it held.
    struct Forms: PageModel {
        let can: [String: Bool]
        let retry: [String: Bool]
        let typed: CaseEventForm?
        let others: [Option]
        let hasOthers: Bool
        let invitable: [Option]
        let hasInvitable: Bool
        let asks: [Option]
        let decisions: [Option]
        let likelihoods: [Option]
        let confidences: [Option]
        let actorKinds: [Option]
        let bases: [Option]
        let tlps: [Option]
        let participants: [Option]
        let notifications: [Pending]
        let myRequests: [Pending]
        let myActions: [Pending]
        let attributions: [Option]
    }

    let `case`: Case
    let steps: [Step]
    let due: [Due]
    let hasDue: Bool
    let requests: [Request]
    let hasRequests: Bool
    let evidence: [Evidence]
    let hasEvidence: Bool
    let attributionList: [Attribution]
    let hasAttributions: Bool
    let statements: [Statement]
    let hasStatements: Bool
    let actions: [Action]
    let hasActions: Bool
    let forms: Forms
    let hasForms: Bool
    let escalations: [Escalation]
    let hasEscalations: Bool
    let norms: [Norm]
    let hasNorms: Bool
    let error: String?
}
