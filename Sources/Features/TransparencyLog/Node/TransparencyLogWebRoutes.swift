import EntenteProtocol
import Foundation
import Hummingbird
import TransparencyLog
import WebInterface

/// The transparency log's page.
struct TransparencyLogWebRoutes: WebPage {
    let log: TransparencyLogService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("log") { _, context in try await self.page(context) }
    }

    func page(_ context: NodeRequestContext) async throws -> Response {
        let status = try await log.status(now: Date())
        let when = { (timestamp: String?) in timestamp.map(displayWire) ?? "never" }
        let participant = { (origin: String) in TransparencyLogService.participant(ofOrigin: origin)?.rawValue ?? origin }
        let group = try WitnessPolicy(parsing: status.policy).groups.first
        let quorum = group.map { "\($0.threshold) of the \($0.members.count) participants this node is pinned to" } ?? "no witnesses yet"
        let page = TransparencyLogPage(
            size: status.size,
            pending: status.pending > 0 ? status.pending : nil,
            quorum: quorum,
            quorumMet: status.quorumMet,
            checkpoint: status.checkpoint,
            witnesses: status.witnesses.map {
                TransparencyLogPage.Witness(
                    participant: $0.witness,
                    state: $0.cosignedLatest
                        ? "all \(status.size) entries, \(when($0.cosignedAt))"
                        : "\($0.cosignedSize) of \(status.size) entries, \(when($0.cosignedAt))",
                    behind: !$0.cosignedLatest,
                    lastError: $0.lastError
                )
            },
            peerLogs: status.peerLogs.map {
                TransparencyLogPage.PeerLog(
                    participant: participant($0.origin),
                    witnessed: $0.witnessedSize.map { "\($0) entries" } ?? "—",
                    checked: $0.monitoredSize.map { "\($0) entries" } ?? "—",
                    checkedAt: when($0.checkedAt)
                )
            },
            alerts: status.alerts.map {
                TransparencyLogPage.Alert(
                    participant: participant($0.origin),
                    what: Self.describe($0.kind),
                    detail: $0.detail,
                    count: $0.count,
                    since: when($0.raisedAt)
                )
            },
            proofs: status.equivocations.map {
                TransparencyLogPage.Proof(
                    participant: participant($0.origin),
                    detectedAt: when($0.detectedAt),
                    source: $0.source == "witness" || $0.source == "monitor" ? "by this node as \($0.source)" : "sent by \($0.source)",
                    proof: $0.proof
                )
            },
            hasAlerts: !status.alerts.isEmpty,
            hasProofs: !status.equivocations.isEmpty,
            logKey: status.logKey,
            witnessKey: status.witnessKey,
            policy: status.policy
        )
        return render(page, context)
    }

    static func describe(_ kind: String) -> String {
        switch kind {
        case "equivocation": "Showed two histories"
        case "unlogged": "Left out what it sent"
        default: "Record does not add up"
        }
    }
}
