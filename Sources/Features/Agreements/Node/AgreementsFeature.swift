import Hummingbird

/// Agreements between participants: proposed, signed by every party, in force; the obligations they set.
struct AgreementsFeature: NodeFeature {
    let api: AgreementsAPIRoutes
    let web: AgreementsWebRoutes

    init(_ context: FeatureContext) {
        api = AgreementsAPIRoutes(records: context.records)
        web = AgreementsWebRoutes(records: context.records, site: context.site)
    }

    static let navigation = [NavigationEntry(title: "Agreements", path: "/agreements")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
