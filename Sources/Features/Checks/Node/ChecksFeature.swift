import Hummingbird

/// Communication checks: a check message to every peer, on request or on a schedule, and the report of
/// who was reached and who answered, how fast.
struct ChecksFeature: NodeFeature {
    let api: ChecksAPIRoutes
    let web: ChecksWebRoutes
    let interval: Duration?

    init(_ context: FeatureContext) {
        api = ChecksAPIRoutes(service: context.hotline)
        web = ChecksWebRoutes(service: context.hotline, site: context.site)
        interval = context.options.checkInterval
    }

    static let navigation = [NavigationEntry(title: "Communication checks", path: "/checks")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }

    var jobs: [BackgroundJob] {
        guard let interval else { return [] }
        let service = api.service
        return [
            BackgroundJob(name: "scheduled communication check", interval: interval) {
                _ = try await service.sendCommunicationChecks(composedBy: "scheduled check")
            }
        ]
    }
}
