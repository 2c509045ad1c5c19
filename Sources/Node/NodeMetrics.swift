import CoreMetrics
import Foundation
import Prometheus
import Storage

/// The node's Prometheus registry. Each node has its own, so several nodes can
/// share a process (tests, the demo) without mixing their figures.
public struct NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let envelopesReceived: CoreMetrics.Counter
    let envelopesRejected: CoreMetrics.Counter
    let outboxDepth: CoreMetrics.Gauge
    let overdueIncoming: CoreMetrics.Gauge
    let overdueOutgoing: CoreMetrics.Gauge
    let requests: CoreMetrics.Counter

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5), .seconds(30), .seconds(300), .seconds(3600),
        ]
        self.factory = factory
        envelopesReceived = Counter(label: "entente_envelopes_received_total", factory: factory)
        envelopesRejected = Counter(label: "entente_envelopes_rejected_total", factory: factory)
        outboxDepth = Gauge(label: "entente_outbox_depth", factory: factory)
        overdueIncoming = Gauge(label: "entente_overdue_messages", dimensions: [("direction", "incoming")], factory: factory)
        overdueOutgoing = Gauge(label: "entente_overdue_messages", dimensions: [("direction", "outgoing")], factory: factory)
        requests = Counter(label: "entente_http_requests_total", factory: factory)
    }

    /// Reads the gauges' current values from the store.
    func refresh(from store: NodeStore) async throws {
        outboxDepth.record(Double(try await store.outboxDepth()))
        let overdue = try await store.overdueCounts(now: Date())
        overdueIncoming.record(Double(overdue.incoming))
        overdueOutgoing.record(Double(overdue.outgoing))
    }

    func exposition() -> String { registry.emitToString() }
}
