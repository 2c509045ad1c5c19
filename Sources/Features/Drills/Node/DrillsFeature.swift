import Hummingbird
import Storage

/// Drills: a scenario of timed injects sent as exercise messages, and the after-action report of who answered.
struct DrillsFeature: NodeFeature {
    let api: DrillsAPIRoutes
    let web: DrillsWebRoutes
    let interval: Duration

    static let schema: Schema? = .drills

    init(_ context: FeatureContext) {
        let drills = DrillService(hotline: context.hotline)
        api = DrillsAPIRoutes(drills: drills)
        web = DrillsWebRoutes(drills: drills, records: context.records, site: context.site)
        interval = context.options.drillCheckInterval
    }

    static let navigation = [NavigationEntry(title: "Drills", path: "/drills")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }

    /// Due injects are looked for every `drillCheckInterval`: also their worst-case lateness.
    var jobs: [BackgroundJob] {
        let drills = api.drills
        return [BackgroundJob(name: "drill injects", interval: interval) { try await drills.sendDueInjects() }]
    }
}
