import Hummingbird

/// Forums: proposals, amendments, calls to vote or decide under a rule, ballots and verifiable results.
struct ForumsFeature: NodeFeature {
    let api: ForumsAPIRoutes
    let web: ForumsWebRoutes

    init(_ context: FeatureContext) {
        api = ForumsAPIRoutes(records: context.records)
        web = ForumsWebRoutes(records: context.records, site: context.site)
    }

    static let navigation = [NavigationEntry(title: "Forums", path: "/forums")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
