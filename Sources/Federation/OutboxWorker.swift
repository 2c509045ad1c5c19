import CoreMetrics
import EntenteProtocol
import Foundation
import Logging
import Metrics
import Storage

/// Delivers queued envelopes to their recipients until each has returned a valid
/// signed receipt. State lives in the database, so a restarted node picks up
/// exactly where it stopped; the recipient's idempotent store makes redelivery harmless.
public actor OutboxWorker {
    public struct RetryPolicy: Sendable {
        public var initial: Duration
        public var maximum: Duration

        public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
            self.initial = initial
            self.maximum = maximum
        }

        /// Exponential backoff with ±20% jitter, so peers that come back are not stampeded.
        public func delay(afterAttempts attempts: Int64) -> Duration {
            let exponent = Double(min(attempts, 30))
            let base = min(Self.seconds(initial) * pow(2, exponent), Self.seconds(maximum))
            return .milliseconds(Int64(base * Double.random(in: 0.8...1.2) * 1000))
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }

    public struct DeliveryMetrics: Sendable {
        let deliveryLatency: CoreMetrics.Timer
        let deliveries: Counter
        let failures: Counter

        public init(factory: any MetricsFactory) {
            deliveryLatency = CoreMetrics.Timer(label: "entente_delivery_latency", factory: factory)
            deliveries = Counter(label: "entente_deliveries_total", factory: factory)
            failures = Counter(label: "entente_delivery_failures_total", factory: factory)
        }
    }

    let store: NodeStore
    let peers: PeerDirectory
    let client: PeerClient
    let retry: RetryPolicy
    let logger: Logger
    let metrics: DeliveryMetrics
    let concurrency = 32
    /// Deliveries in flight to one recipient at most, so that a peer that never answers cannot take every slot.
    let perRecipient = 8

    private var wakeRequested = false
    /// Recipients whose last delivery attempt failed: only for them is there backoff to cut short.
    private var unreachable: Set<String> = []
    private var sleeper: CheckedContinuation<Void, Never>?

    public init(store: NodeStore, peers: PeerDirectory, client: PeerClient, retry: RetryPolicy, metrics: DeliveryMetrics, logger: Logger) {
        self.store = store
        self.peers = peers
        self.client = client
        self.retry = retry
        self.metrics = metrics
        self.logger = logger
    }

    /// Asks the worker to look at the outbox now rather than at its next scheduled time.
    public func wake() {
        if let sleeper {
            self.sleeper = nil
            sleeper.resume()
        } else {
            wakeRequested = true
        }
    }

    /// What finished in the delivery pipeline: one delivery attempt, or the wait for new work.
    private enum Event: Sendable {
        case attempted(OutboxItem.Key, delivered: Bool)
        case woke
    }

    /// A pipeline: up to `concurrency` deliveries in flight, each slot refilled as soon as it
    /// frees, and new messages started at once rather than after the current batch.
    /// A peer that just reached this node is probably reachable again: retry what is owed
    /// to it now instead of at its backoff time. Costs nothing for peers that were never down.
    public func peerIsReachable(_ recipient: String) async {
        guard unreachable.remove(recipient) != nil else { return }
        do { try await store.retryOutboxNow(recipient: recipient, now: Date()) } catch {
            logger.warning("could not reschedule deliveries", metadata: ["recipient": "\(recipient)", "error": "\(error)"])
        }
        wake()
    }

    public func run() async {
        await withTaskGroup(of: Event.self) { group in
            var inFlight: Set<OutboxItem.Key> = []
            var waiting = false
            while !Task.isCancelled {
                do {
                    if inFlight.count < concurrency {
                        let due = try await store.dueOutbox(now: Date(), limit: concurrency + inFlight.count, perRecipient: perRecipient)
                        for item in due.filter({ !inFlight.contains($0.key) }).prefix(concurrency - inFlight.count) {
                            inFlight.insert(item.key)
                            group.addTask { .attempted(item.key, delivered: await self.deliver(item)) }
                        }
                    }
                    if !waiting {
                        let wait = try await store.nextOutboxAttempt(after: Date()).map { max(0, $0.timeIntervalSinceNow) } ?? 5
                        group.addTask {
                            await self.sleep(seconds: min(wait, 5))
                            return .woke
                        }
                        waiting = true
                    }
                } catch {
                    logger.error("outbox pass failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                switch await group.next() {
                case .attempted(let key, let delivered):
                    inFlight.remove(key)
                    // A failed attempt has a new due time: re-arm the wait with it.
                    if !delivered { wake() }
                case .woke:
                    waiting = false
                case nil:
                    return
                }
            }
            group.cancelAll()
        }
    }

    private func sleep(seconds: Double) async {
        if wakeRequested {
            wakeRequested = false
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            await self?.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { sleeper = $0 }
        } onCancel: {
            Task { await self.wake() }
        }
        timer.cancel()
        wakeRequested = false
    }

    /// One delivery attempt; false if it failed and was rescheduled.
    private func deliver(_ item: OutboxItem) async -> Bool {
        let now = Date()
        do {
            guard let recipient = ParticipantID(item.recipient), let peer = await peers.peer(recipient) else {
                throw ProtocolError.unknownSender("\(item.recipient) is no longer a peer")
            }
            let envelope = try Envelope(wireBytes: Array(item.wire.utf8))
            let response = try await client.deliver(wire: item.wire, to: peer.record.endpoint)
            _ = try DeliveryReceipt(verifying: response, for: envelope, from: recipient, key: peer.descriptor.keys.signing)
            let deliveredAt = Date()
            try await store.markDelivered(item, receipt: response, at: deliveredAt)
            unreachable.remove(item.recipient)
            metrics.deliveries.increment()
            metrics.deliveryLatency.recordNanoseconds(Int64(deliveredAt.timeIntervalSince(item.enqueuedAt) * 1e9))
            return true
        } catch {
            unreachable.insert(item.recipient)
            metrics.failures.increment()
            // A peer that refused the envelope itself will refuse it again: retry rarely, and say so loudly.
            let permanent = (error as? PeerClient.Failure)?.isPermanent ?? false
            let delay = permanent ? retry.maximum : retry.delay(afterAttempts: item.attempts)
            let retryAt = now.addingTimeInterval(RetryPolicy.seconds(delay))
            logger.log(
                level: permanent ? .warning : .notice,
                "delivery failed; will retry",
                metadata: [
                    "envelope": "\(item.envelopeID)", "recipient": "\(item.recipient)", "attempt": "\(item.attempts + 1)",
                    "retryIn": "\(delay)", "error": "\(error)",
                ]
            )
            try? await store.markAttemptFailed(item, error: "\(error)", retryAt: retryAt)
            return false
        }
    }
}
