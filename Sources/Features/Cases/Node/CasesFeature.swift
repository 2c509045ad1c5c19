import Federation
import Hummingbird
import Logging
import Storage

/// Incident cases across states, from notice to follow-up; overdue items escalated on a schedule.
struct CasesFeature: NodeFeature {
    let api: CaseAPIRoutes
    let web: CaseWebRoutes
    let envelopeIntakes: [any EnvelopeIntake]
    let escalation: CaseEscalationPolicy?
    let escalationInterval: Duration
    let logger = Logger(label: "entente.cases")

    static let schema: Schema? = .cases

    init(_ context: FeatureContext) {
        api = CaseAPIRoutes(cases: context.cases)
        web = CaseWebRoutes(cases: context.cases, records: context.records, site: context.site)
        envelopeIntakes = [CaseEventIntake(identity: context.identity, peers: context.peers, store: context.store)]
        escalation = context.options.caseEscalation
        escalationInterval = context.options.escalationCheckInterval
    }

    static let navigation = [NavigationEntry(title: "Cases", path: "/cases")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }

    var jobs: [BackgroundJob] {
        guard let escalation else { return [] }
        let cases = api.cases
        let logger = logger
        return [
            BackgroundJob(name: "case escalation", interval: escalationInterval) {
                for raised in try await cases.escalateOverdue(escalation) {
                    logger.warning(
                        "overdue case item escalated",
                        metadata: ["case": "\(raised.caseID)", "item": "\(raised.itemID)", "to": "\(escalation.toRole.rawValue)"]
                    )
                }
            }
        ]
    }
}
