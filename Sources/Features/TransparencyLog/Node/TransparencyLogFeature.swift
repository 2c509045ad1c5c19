import Foundation
import Hummingbird
import Storage

/// The transparency log: every act with diplomatic weight this node signs or accepts, as a digest in an
/// append-only Merkle log (C2SP tlog-tiles, tlog-checkpoint) whose checkpoints its peers cosign as
/// witnesses (tlog-witness), and the node's own part as a witness of theirs.
struct TransparencyLogFeature: NodeFeature {
    let log: TransparencyLogService
    let interval: Duration

    static let schema: Schema? = .transparencyLog

    init(_ context: FeatureContext) {
        log = context.transparencyLog
        interval = context.options.logInterval
    }

    func addProtocolRoutes(to router: Router<NodeRequestContext>) { TransparencyLogRoutes(log: log).register(on: router) }

    var jobs: [BackgroundJob] {
        let log = self.log
        return [
            BackgroundJob(name: "transparency log", interval: interval) {
                let now = Date()
                try await log.prepare(now: now)
                try await log.integrate(now: now)
                try await log.gatherCosignatures(now: now)
            }
        ]
    }
}
