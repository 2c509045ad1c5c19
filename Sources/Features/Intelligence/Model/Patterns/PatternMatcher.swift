import CanonicalJSON
import Foundation

/// One observed-data object with the cyber-observable objects it refers to: what a pattern is matched against.
/// It stands for `count` observations between `first` and `last` (microseconds since 1970).
public struct PatternObservation: Sendable {
    public let id: String
    public let first: Int64
    public let last: Int64
    public let count: Int
    /// The observed-data object itself, then each object its `object_refs` names, in that order.
    public let objects: [JSONValue]

    public init(id: String, first: Int64, last: Int64, count: Int, objects: [JSONValue]) {
        self.id = id
        self.first = first
        self.last = last
        self.count = count
        self.objects = objects
    }

    /// The observations of STIX 2.1 bundles: their objects taken together, then one observation per
    /// observed-data object with the objects its `object_refs` names (a reference to nothing is left out).
    public static func observations(inBundles bundles: [JSONValue]) throws(PatternError) -> [PatternObservation] {
        let objects = bundles.flatMap { $0["objects"]?.arrayValue ?? [] }
        guard bundles.contains(where: { $0["objects"] != nil }) else { throw .evaluation("a bundle has no objects") }
        var byID: [String: JSONValue] = [:]
        for object in objects where object["type"]?.stringValue != "observed-data" {
            if let id = object["id"]?.stringValue { byID[id] = object }
        }
        var observations: [PatternObservation] = []
        for data in objects where data["type"]?.stringValue == "observed-data" {
            guard let refs = data["object_refs"]?.arrayValue else { throw .evaluation("observed-data has no object_refs") }
            guard let first = data["first_observed"]?.stringValue.flatMap(PatternTimestamp.microseconds),
                let last = data["last_observed"]?.stringValue.flatMap(PatternTimestamp.microseconds),
                let count = data["number_observed"]?.integerValue, count >= 1, count <= 1_000_000
            else {
                throw .evaluation("observed-data needs first_observed, last_observed (timestamps) and number_observed (1 or more)")
            }
            observations.append(
                PatternObservation(
                    id: data["id"]?.stringValue ?? "",
                    first: first,
                    last: last,
                    count: Int(count),
                    objects: [data] + refs.compactMap { $0.stringValue.flatMap { byID[$0] } }
                )
            )
        }
        return observations
    }
}

extension STIXPatternExpression {
    /// SDO types: a pattern about them matches nothing (patterns are about cyber-observable objects).
    static let domainTypes: Set<String> = Set(STIXValidation.domainObjects.keys).union(STIXValidation.metaObjects).union(["bundle"])

    /// The observations of one way the pattern matches, or none when it does not. Like the OASIS reference
    /// matcher, whose answers the conformance suite holds, it reports the first way it finds.
    public func match(_ observations: [PatternObservation]) throws(PatternError) -> [PatternObservation] {
        var matcher = PatternMatcher(observations: observations)
        let bindings = try matcher.bindings(root)
        guard let first = bindings.next() else { return [] }
        // An observation stands for `count` identical ones; the first of them names it.
        let indices = Set(first.filter { $0.copy == 0 }.map(\.observation)).sorted()
        return indices.map { observations[Int($0)] }
    }

    public func matches(_ observations: [PatternObservation]) throws(PatternError) -> Bool { try !match(observations).isEmpty }
}

/// One of the `count` observations an observed-data object stands for.
struct Instance: Hashable {
    let observation: Int32
    let copy: Int32
}

/// An assignment of observations to the observation expressions of a pattern.
typealias Binding = [Instance]

/// Bindings, produced on demand: joins and repetitions over many observations are searched, never listed whole.
protocol BindingStream: AnyObject {
    func next() -> Binding?
}

struct PatternMatcher {
    let observations: [PatternObservation]

    // MARK: Observation expressions

    mutating func bindings(_ expression: ObservationExpression) throws(PatternError) -> any BindingStream {
        switch expression {
        case .observation(let comparison):
            let passing = try objects(satisfying: comparison)
            let instances = passing.flatMap { entry in
                (0..<observations[entry.observation].count).map { Instance(observation: Int32(entry.observation), copy: Int32($0)) }
            }
            return ListStream(instances.map { [$0] })
        case .or(let left, let right):
            return AlternatingStream(try bindings(left), try bindings(right))
        case .and(let left, let right):
            return JoinStream(try bindings(left), try bindings(right)) { _, _ in true }
        case .followedBy(let left, let right):
            let observations = observations
            return JoinStream(try bindings(left), try bindings(right)) { left, right in
                // The latest start on the left can come no later than the earliest end on the right.
                left.map { observations[Int($0.observation)].first }.max()! <= right.map { observations[Int($0.observation)].last }.min()!
            }
        case .within(let inner, let window):
            // An interval of `window` touching every observation exists iff the one starting at the earliest end
            // reaches every start: iff every start is within `window` of every end, a condition on pairs.
            let observations = observations
            let fits = { (binding: Binding) -> Bool in
                let start = binding.map { observations[Int($0.observation)].last }.min()!
                return binding.allSatisfy { observations[Int($0.observation)].first <= start + window }
            }
            guard case .repeats(let repeated, let times) = inner, times > 1 else { return FilterStream(try bindings(inner), keeps: fits) }
            // Being about pairs, the window prunes a repetition as it is searched: a combination of bindings that
            // do not fit two by two is never completed (the reference matcher lists them all, 184,756 of 20
            // observations taken 10 at a time, and then filters).
            let each = FilterStream(try bindings(repeated), keeps: fits)
            return RepetitionStream(each, times: times, fits: fits)
        case .startStop(let inner, let start, let stop):
            guard start < stop else { return ListStream([]) }
            let observations = observations
            return FilterStream(try bindings(inner)) { binding in
                binding.allSatisfy { instance in
                    let observation = observations[Int(instance.observation)]
                    // Overlapping [start, stop), touching the start but not the stop.
                    return observation.first != stop && observation.first <= stop && start <= observation.last
                }
            }
        case .repeats(let inner, let times):
            let stream = try bindings(inner)
            return times == 1 ? stream : RepetitionStream(stream, times: times)
        }
    }

    // MARK: Comparison expressions

    /// The observations with objects that satisfy `comparison`, each with those objects (by id), in the order
    /// the observations come (an OR adds the right side's after the left side's).
    func objects(satisfying comparison: ComparisonExpression) throws(PatternError) -> [(observation: Int, roots: Set<String>)] {
        switch comparison {
        case .test(let test):
            return try objects(passing: test)
        case .or(let left, let right):
            var result = try objects(satisfying: left)
            var position = Dictionary(uniqueKeysWithValues: result.enumerated().map { ($1.observation, $0) })
            for entry in try objects(satisfying: right) {
                if let index = position[entry.observation] {
                    result[index].roots.formUnion(entry.roots)
                } else {
                    position[entry.observation] = result.count
                    result.append(entry)
                }
            }
            return result
        case .and(let left, let right):
            let rightSide = Dictionary(uniqueKeysWithValues: try objects(satisfying: right).map { ($0.observation, $0.roots) })
            return try objects(satisfying: left).compactMap { entry in
                let both = entry.roots.intersection(rightSide[entry.observation] ?? [])
                return both.isEmpty ? nil : (entry.observation, both)
            }
        }
    }

    func objects(passing test: PropertyTest) throws(PatternError) -> [(observation: Int, roots: Set<String>)] {
        guard !STIXPatternExpression.domainTypes.contains(test.path.objectType) else { return [] }
        var result: [(observation: Int, roots: Set<String>)] = []
        for (index, observation) in observations.enumerated() {
            var roots: Set<String> = []
            var seen: Set<String> = []
            for object in observation.objects where object["type"]?.stringValue == test.path.objectType {
                guard let id = object["id"]?.stringValue, seen.insert(id).inserted else { continue }
                for value in try values(at: test.path, from: object, in: observation) where try PropertyTestEvaluation.passes(test, value) {
                    roots.insert(id)
                    break
                }
            }
            if !roots.isEmpty { result.append((index, roots)) }
        }
        return result
    }

    /// The values `path` selects from `root`: keys followed, `_ref` and `_refs` resolved to the objects of the
    /// same observation, list steps taken, `_hex` and `_bin` properties read as bytes.
    func values(at path: ObjectPath, from root: JSONValue, in observation: PatternObservation) throws(PatternError) -> [PatternValue] {
        var values: [PatternValue] = [.json(root)]
        for step in path.steps {
            var next: [PatternValue] = []
            switch step {
            case .key(let name):
                for case .json(.object(let members)) in values {
                    guard let member = members[name] else { continue }
                    if name.hasSuffix("_hex") || name.hasSuffix("_bin") {
                        next.append(try PatternValue.binary(member, property: name))
                    } else if name.hasSuffix("_ref") {
                        guard let reference = member.stringValue else { throw .evaluation("the value of \(name) is not an identifier") }
                        next += observation.objects.filter { $0["id"]?.stringValue == reference }.map(PatternValue.json)
                    } else if name.hasSuffix("_refs") {
                        guard let references = member.arrayValue else { throw .evaluation("the value of \(name) is not a list") }
                        var referenced: [JSONValue] = []
                        for reference in references {
                            guard let id = reference.stringValue else { throw .evaluation("a value of \(name) is not an identifier") }
                            referenced += observation.objects.filter { $0["id"]?.stringValue == id }
                        }
                        if !referenced.isEmpty { next.append(.json(.array(referenced))) }
                    } else {
                        next.append(.json(member))
                    }
                }
            case .index(let index):
                for case .json(.array(let elements)) in values where elements.indices.contains(index) { next.append(.json(elements[index])) }
            case .anyIndex:
                for case .json(.array(let elements)) in values { next += elements.map(PatternValue.json) }
            }
            values = next
        }
        return values
    }
}

// MARK: - Streams

/// Bindings listed in advance: the single observations of an `[…]`.
final class ListStream: BindingStream {
    private var bindings: [Binding]
    private var position = 0
    init(_ bindings: [Binding]) { self.bindings = bindings }
    func next() -> Binding? {
        guard position < bindings.count else { return nil }
        defer { position += 1 }
        return bindings[position]
    }
}

/// OR: the bindings of either side, alternately, each with only its own side's observations.
final class AlternatingStream: BindingStream {
    private let left: any BindingStream
    private let right: any BindingStream
    private var takeLeft = true
    private var leftDone = false
    private var rightDone = false

    init(_ left: any BindingStream, _ right: any BindingStream) {
        self.left = left
        self.right = right
    }

    func next() -> Binding? {
        while !(leftDone && rightDone) {
            defer { takeLeft.toggle() }
            if takeLeft, !leftDone {
                if let binding = left.next() { return binding }
                leftDone = true
            } else if !takeLeft, !rightDone {
                if let binding = right.next() { return binding }
                rightDone = true
            }
        }
        return nil
    }
}

/// AND and FOLLOWEDBY: every pair of a left and a right binding with no observation in common that `accepts`,
/// found by drawing from each side in turn and pairing the newcomer with what the other side gave so far.
final class JoinStream: BindingStream {
    private let left: any BindingStream
    private let right: any BindingStream
    private let accepts: (Binding, Binding) -> Bool
    private var lefts: [Binding] = []
    private var rights: [Binding] = []
    private var nextLeft: Binding?
    private var nextRight: Binding?
    private var pending: [Binding] = []
    private var started = false

    init(_ left: any BindingStream, _ right: any BindingStream, accepts: @escaping (Binding, Binding) -> Bool) {
        self.left = left
        self.right = right
        self.accepts = accepts
    }

    func next() -> Binding? {
        if !started {
            started = true
            nextRight = right.next()
            nextLeft = left.next()
            if nextLeft == nil || nextRight == nil { return nil }
        }
        while pending.isEmpty {
            guard nextLeft != nil || nextRight != nil else { return nil }
            if let newRight = nextRight {
                for old in lefts where isDisjoint(old, newRight) && accepts(old, newRight) { pending.append(old + newRight) }
                rights.append(newRight)
                nextRight = right.next()
            }
            if let newLeft = nextLeft {
                for old in rights where isDisjoint(newLeft, old) && accepts(newLeft, old) { pending.append(newLeft + old) }
                lefts.append(newLeft)
                nextLeft = left.next()
            }
        }
        return pending.removeFirst()
    }
}

/// WITHIN and START … STOP: the bindings that `keeps`.
final class FilterStream: BindingStream {
    private let inner: any BindingStream
    private let keeps: (Binding) -> Bool
    init(_ inner: any BindingStream, keeps: @escaping (Binding) -> Bool) {
        self.inner = inner
        self.keeps = keeps
    }
    func next() -> Binding? {
        while let binding = inner.next() {
            if keeps(binding) { return binding }
        }
        return nil
    }
}

func isDisjoint(_ left: Binding, _ right: Binding) -> Bool {
    left.count * right.count <= 64 ? !left.contains(where: right.contains) : Set(left).isDisjoint(with: right)
}

/// REPEATS n TIMES: n bindings with no observation in common (and that `fits` two by two, for a repetition
/// WITHIN a window), searched in the reference matcher's order: each new binding of the inner expression
/// completes the combinations of the ones drawn before it.
final class RepetitionStream: BindingStream {
    private let inner: any BindingStream
    private let times: Int
    private let fits: ((Binding) -> Bool)?
    private var drawn: [Binding] = []
    private var combinations: CombinationSearch?
    private var newest: Binding = []

    init(_ inner: any BindingStream, times: Int, fits: ((Binding) -> Bool)? = nil) {
        self.inner = inner
        self.times = times
        self.fits = fits
    }

    func next() -> Binding? {
        while drawn.count < times - 1 {
            guard let binding = inner.next() else { return nil }
            drawn.append(binding)
        }
        while true {
            if let search = combinations {
                do {
                    if let combination = try search.next() { return combination.flatMap { $0 } + newest }
                } catch {}
                drawn.append(newest)
                combinations = nil
            }
            guard let binding = inner.next() else { return nil }
            newest = binding
            let candidates = drawn.filter { isDisjoint($0, binding) && fits?($0 + binding) != false }
            combinations = CombinationSearch(candidates, size: times - 1, fits: fits)
        }
    }
}

/// Combinations of `size` mutually disjoint bindings (that `fits` two by two, if given) from a list, in list
/// order, giving up early (by throwing how many are missing) when even the most favourable choice cannot reach
/// the size.
final class CombinationSearch {
    struct NotEnough: Error { let missing: Int }

    private let list: [Binding]
    private let size: Int
    private let fits: ((Binding) -> Bool)?
    private var position = 0
    private var inner: CombinationSearch?
    private var innerFiltered = 0
    private var yielded = false
    private var checked = false

    init(_ list: [Binding], size: Int, fits: ((Binding) -> Bool)?) {
        self.list = list
        self.size = size
        self.fits = fits
    }

    func next() throws(NotEnough) -> [Binding]? {
        if size == 1 {
            guard position < list.count else { return nil }
            defer { position += 1 }
            return [list[position]]
        }
        if !checked {
            checked = true
            let bound = Self.largestCombinationBound(list)
            if bound < size { throw NotEnough(missing: size - bound) }
        }
        while position < list.count + 1 - size {
            if inner == nil {
                let chosen = list[position]
                let filtered = list[(position + 1)...].filter { isDisjoint(chosen, $0) && fits?(chosen + $0) != false }
                innerFiltered = filtered.count
                inner = CombinationSearch(filtered, size: size - 1, fits: fits)
                yielded = false
            }
            do {
                if let rest = try inner!.next() {
                    yielded = true
                    return [list[position]] + rest
                }
            } catch {
                if !yielded {
                    // Leaving this binding out brings back the ones it excluded: those sharing an observation with it,
                    // at most one per observation it has, or, under a window, any of them.
                    let excluded = list.count - position - 1 - innerFiltered
                    let mightAdd = fits == nil ? min(excluded, list[position].count) : excluded
                    let missing = error.missing + 1 - mightAdd
                    if missing > 0 {
                        if position == 0 { throw NotEnough(missing: missing) }
                        position = list.count
                        return nil
                    }
                }
            }
            inner = nil
            position += 1
        }
        return nil
    }

    /// An upper bound on how many mutually disjoint bindings the list holds: small bindings first, each
    /// consuming its observations.
    static func largestCombinationBound(_ list: [Binding]) -> Int {
        guard let largest = list.map(\.count).max(), largest > 0 else { return 0 }
        var bySize = [Set<Instance>](repeating: [], count: largest + 1)
        for binding in list { bySize[binding.count].formUnion(binding) }
        var consumed = Set<Instance>()
        var bound = 0
        for size in 1..<largest {
            let available = bySize[size].subtracting(consumed)
            bound += (available.count + size - 1) / size
            consumed.formUnion(available)
        }
        return bound + bySize[largest].subtracting(consumed).count / largest
    }
}
