import Hummingbird

/// The norms of responsible state behaviour: who committed to which, and which alleged breaches cite them.
struct NormsFeature: NodeFeature {
    let api: NormsAPIRoutes
    let web: NormsWebRoutes

    init(_ context: FeatureContext) {
        api = NormsAPIRoutes(records: context.records)
        web = NormsWebRoutes(records: context.records, cases: context.cases, site: context.site)
    }

    static let navigation = [NavigationEntry(title: "Norms", path: "/norms")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
