import Hummingbird

/// The OSCE's sixteen confidence-building measures: each participant's status on each, with its evidence.
struct ConfidenceBuildingFeature: NodeFeature {
    let api: ConfidenceBuildingAPIRoutes
    let web: ConfidenceBuildingWebRoutes

    init(_ context: FeatureContext) {
        api = ConfidenceBuildingAPIRoutes(records: context.records)
        web = ConfidenceBuildingWebRoutes(records: context.records, site: context.site)
    }

    static let navigation = [NavigationEntry(title: "CBMs", path: "/cbms")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
