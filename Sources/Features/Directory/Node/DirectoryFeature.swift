import Hummingbird
import Logging

/// The directory: the peers this node has pinned, their points of contact, changes of trust waiting for
/// the operator and refused key changes; each peer's descriptor re-read on a schedule.
struct DirectoryFeature: NodeFeature {
    let api: DirectoryAPIRoutes
    let web: DirectoryWebRoutes
    let refreshInterval: Duration?
    let logger = Logger(label: "entente.directory")

    init(_ context: FeatureContext) {
        api = DirectoryAPIRoutes(service: context.peering)
        web = DirectoryWebRoutes(service: context.peering, site: context.site)
        refreshInterval = context.options.descriptorRefreshInterval
    }

    static let navigation = [NavigationEntry(title: "Directory", path: "/directory")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }

    var jobs: [BackgroundJob] {
        guard let refreshInterval else { return [] }
        let service = api.service
        let logger = logger
        return [
            BackgroundJob(name: "descriptor refresh", interval: refreshInterval) {
                for peer in await service.peers.all() {
                    do { _ = try await service.refreshPeer(peer.record.id) } catch {
                        logger.warning("could not refresh a peer's descriptor", metadata: ["peer": "\(peer.record.id)", "error": "\(error)"])
                    }
                }
            }
        ]
    }
}
