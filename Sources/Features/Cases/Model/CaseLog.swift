/// The canonical order of a case's events: a topological order of the `after`
/// graph, ties broken by (time, id). Every node that holds the same events
/// computes the same order, so arrival order and duplicates do not matter.
public struct CaseLog: Sendable {
    public let ordered: [CaseEvent]
    /// Events that follow one not (yet) held; they wait for it.
    public let waiting: [CaseEvent]

    public init(_ events: some Sequence<CaseEvent>) {
        var byID: [String: CaseEvent] = [:]
        for event in events { byID[event.id] = event }
        var missingPredecessors: [String: Int] = [:]
        var followers: [String: [String]] = [:]
        var ready: [CaseEvent] = []
        for event in byID.values {
            missingPredecessors[event.id] = event.after.count
            for predecessor in event.after { followers[predecessor, default: []].append(event.id) }
            if event.after.isEmpty { ready.append(event) }
        }
        func precedes(_ a: CaseEvent, _ b: CaseEvent) -> Bool { a.orderKey < b.orderKey }
        // `ready` is kept sorted descending so the next event is popped from the end.
        ready.sort { precedes($1, $0) }
        var ordered: [CaseEvent] = []
        ordered.reserveCapacity(byID.count)
        while let next = ready.popLast() {
            ordered.append(next)
            for follower in followers[next.id] ?? [] {
                missingPredecessors[follower]! -= 1
                if missingPredecessors[follower] == 0, let event = byID[follower] {
                    let index = ready.partitioningIndex { precedes($0, event) }
                    ready.insert(event, at: index)
                }
            }
        }
        let placed = Set(ordered.map(\.id))
        self.ordered = ordered
        self.waiting = byID.values.filter { !placed.contains($0.id) }.sorted(by: precedes)
    }

    /// The events no other event follows.
    public static func heads(of events: [CaseEvent]) -> [String] {
        let followed = Set(events.flatMap(\.after))
        return events.map(\.id).filter { !followed.contains($0) }.sorted()
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPart`, for a partitioned array.
    func partitioningIndex(where belongsInSecondPart: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsInSecondPart(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
