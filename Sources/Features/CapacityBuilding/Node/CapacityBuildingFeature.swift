import Hummingbird

/// Capacity building: requests and offers of help, suggested matches, and the progress of each match.
struct CapacityBuildingFeature: NodeFeature {
    let api: CapacityBuildingAPIRoutes
    let web: CapacityBuildingWebRoutes

    init(_ context: FeatureContext) {
        api = CapacityBuildingAPIRoutes(records: context.records)
        web = CapacityBuildingWebRoutes(records: context.records, site: context.site)
    }

    static let navigation = [NavigationEntry(title: "Capacity building", path: "/capacity")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
