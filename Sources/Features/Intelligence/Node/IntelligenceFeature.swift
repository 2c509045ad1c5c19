import Hummingbird
import Storage

/// Threat intelligence: a TAXII 2.1 server with TLP enforced, collections and partner accounts, MISP import
/// and export, sightings back to producers, and subscriptions to partners' collections pulled on a schedule.
struct IntelligenceFeature: NodeFeature {
    let taxii: TAXIIRoutes
    let api: IntelligenceAPIRoutes
    let web: IntelligenceWebRoutes
    let subscriptionInterval: Duration?

    static let schema: Schema? = .intelligence

    init(_ context: FeatureContext) {
        taxii = TAXIIRoutes(intelligence: context.intelligence, operatorToken: context.operatorToken, limiter: context.userLimiter)
        api = IntelligenceAPIRoutes(intelligence: context.intelligence, subscriptions: context.subscriptions, cases: context.cases)
        web = IntelligenceWebRoutes(intelligence: context.intelligence, site: context.site)
        subscriptionInterval = context.options.subscriptionInterval
    }

    static let navigation = [NavigationEntry(title: "Intelligence", path: "/intelligence")]

    func addProtocolRoutes(to router: Router<NodeRequestContext>) { taxii.register(on: router) }
    func addRoutes(to api: APIGroups) { self.api.register(on: api) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }

    var jobs: [BackgroundJob] {
        guard let subscriptionInterval else { return [] }
        let subscriptions = api.subscriptions
        return [BackgroundJob(name: "TAXII subscriptions", interval: subscriptionInterval) { _ = try await subscriptions.pullAll() }]
    }
}
