import Foundation

/// Token buckets by key: `rate` requests per second on average, bursts up to `burst`.
public actor RateLimiter {
    public struct Limit: Sendable {
        public var rate: Double
        public var burst: Double

        public init(rate: Double, burst: Double) {
            self.rate = rate
            self.burst = burst
        }
    }

    private let limit: Limit
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]

    init(_ limit: Limit) { self.limit = limit }

    /// nil if the request may proceed, otherwise how long to wait before retrying.
    func admit(_ key: String, now: Date = Date()) -> TimeInterval? {
        if buckets.count > 50_000 { buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < 60 } }
        var bucket = buckets[key] ?? (limit.burst, now)
        bucket.tokens = min(limit.burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * limit.rate)
        bucket.updated = now
        defer { buckets[key] = bucket }
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / limit.rate }
        bucket.tokens -= 1
        return nil
    }
}
