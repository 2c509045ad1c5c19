import Federation
import Foundation
import Hummingbird
import Storage

/// The transparency log: every act with diplomatic weight this node signs or accepts, as a digest in an
/// append-only Merkle log (C2SP tlog-tiles, tlog-checkpoint) whose checkpoints its peers cosign as
/// witnesses (tlog-witness), and the node's own part as a witness of theirs.
struct TransparencyLogFeature: NodeFeature {
    let log: TransparencyLogService
    let web: TransparencyLogWebRoutes
    let monitor: LogMonitor
    let intake: EquivocationIntake
    let interval: Duration
    let monitorInterval: Duration

    static let schema: Schema? = .transparencyLog

    init(_ context: FeatureContext) {
        log = context.transparencyLog
        web = TransparencyLogWebRoutes(log: log, site: context.site)
        monitor = LogMonitor(log: log, inclusionDeadline: context.options.logInclusionDeadline)
        intake = EquivocationIntake(identity: context.identity, peers: context.peers, store: context.store)
        interval = context.options.logInterval
        monitorInterval = context.options.logMonitorInterval
    }

    var envelopeIntakes: [any EnvelopeIntake] { [intake] }

    func addProtocolRoutes(to router: Router<NodeRequestContext>) { TransparencyLogRoutes(log: log).register(on: router) }
    func addRoutes(to api: APIGroups) { TransparencyLogAPIRoutes(log: log).register(on: api) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }

    static let navigation = [NavigationEntry(title: "Log", path: "/log")]

    var jobs: [BackgroundJob] {
        let (log, monitor) = (self.log, self.monitor)
        return [
            BackgroundJob(name: "transparency log", interval: interval) {
                let now = Date()
                try await log.integrate(now: now)
                try await log.gatherCosignatures(now: now)
            },
            BackgroundJob(name: "peers' transparency logs", interval: monitorInterval) { try await monitor.run(now: Date()) },
        ]
    }
}
