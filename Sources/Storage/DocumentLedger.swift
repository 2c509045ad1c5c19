import Synchronization

/// The state of each scope of signed documents — a case, a space of the record — and the
/// one way to change it. Every read-then-write of a scope runs in `update`, one at a time
/// (a document written here and one arriving at the same moment each see the other), and
/// the state it leaves is kept in memory, so that the next document extends it instead of
/// refolding every document the scope holds.
///
/// The cache is only ever filled under the lock, with a state whose documents are committed;
/// a failed commit forgets the scope, so a kept state is never ahead of or behind the database.
public final class DocumentLedger<Scope: Hashable & Sendable, State: Sendable>: Sendable {
    private struct Kept {
        var state: State
        var lastUse: UInt64
    }

    private struct Cache {
        var kept: [Scope: Kept] = [:]
        var clock: UInt64 = 0
        var loads = 0
    }

    /// How many scopes stay in memory; the least recently used beyond that are refolded when next needed.
    public let capacity: Int
    private let writes = AsyncLock()
    private let cache = Mutex(Cache())
    private let isWorthKeeping: @Sendable (State) -> Bool

    /// How many times a scope's state was folded from the database: once per scope while it stays in memory.
    public var loads: Int { cache.withLock { $0.loads } }

    /// `isWorthKeeping` says whether a state holds anything: a lookup of a scope that does
    /// not exist must not take a place in memory.
    public init(capacity: Int = 1024, isWorthKeeping: @escaping @Sendable (State) -> Bool) {
        self.capacity = capacity
        self.isWorthKeeping = isWorthKeeping
    }

    /// The scope's current state: kept, or loaded (and then kept, if it holds anything).
    public func state(of scope: Scope, load: @Sendable () async throws -> State) async throws -> State {
        if let kept = recall(scope) { return kept }
        return try await update(scope, load: load) { current in (current, { current }) }
    }

    /// Runs `decide` with the scope's current state, alone among the updates of every scope.
    /// `decide` checks what is asked and returns the state after it with the `commit` that
    /// stores it; a refusal thrown by `decide` leaves the state as it was. Once `commit` has
    /// returned, its documents are durable and the new state is kept; if it fails, whether
    /// it committed is unknown, and the scope is loaded afresh next time.
    public func update<Result: Sendable>(
        _ scope: Scope,
        load: @Sendable () async throws -> State,
        _ decide: @Sendable (State) async throws -> (state: State, commit: @Sendable () async throws -> Result)
    ) async throws -> Result {
        try await writes.withLock {
            let current: State
            if let kept = recall(scope) { current = kept } else { current = try await counted(load) }
            let (next, commit) = try await decide(current)
            let result: Result
            do { result = try await commit() } catch {
                forget(scope)
                throw error
            }
            keep(next, for: scope)
            return result
        }
    }

    private func counted(_ load: @Sendable () async throws -> State) async throws -> State {
        cache.withLock { $0.loads += 1 }
        return try await load()
    }

    private func recall(_ scope: Scope) -> State? {
        cache.withLock { cache in
            guard var kept = cache.kept[scope] else { return nil }
            cache.clock += 1
            kept.lastUse = cache.clock
            cache.kept[scope] = kept
            return kept.state
        }
    }

    private func keep(_ state: State, for scope: Scope) {
        guard isWorthKeeping(state) else { return forget(scope) }
        cache.withLock { cache in
            cache.clock += 1
            cache.kept[scope] = Kept(state: state, lastUse: cache.clock)
            if cache.kept.count > capacity, let oldest = cache.kept.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                cache.kept[oldest] = nil
            }
        }
    }

    private func forget(_ scope: Scope) {
        _ = cache.withLock { $0.kept.removeValue(forKey: scope) }
    }
}
