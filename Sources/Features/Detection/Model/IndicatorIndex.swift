import CanonicalJSON
import Intelligence

/// The node's STIX indicators, indexed for matching network events: addresses and networks (IPv4 and IPv6,
/// every enclosing network reported), domains with their subdomains (`www.evil.example` hits `evil.example`,
/// `notevil.example` never does), normalised URLs and file hashes are looked up by value; any other pattern is
/// compiled once and evaluated against the event as an observation. A newer version of an indicator (the same
/// id, a later `modified`) replaces the older; revoked indicators, and expired ones for events after their
/// `valid_until`, never match.
public struct IndicatorIndex: Sendable {
    /// What a hit needs of an indicator, and no more: a million of them are held at once.
    public struct Indicator: Sendable {
        public let id: String
        public let name: String?
        public let modified: String
        public let revoked: Bool
        /// Seconds since 1970.
        public let validUntil: Double?
        /// 0–100, as the producer gave it.
        public let confidence: Int?

        func applies(at time: Double) -> Bool { !revoked && (validUntil.map { time < $0 } ?? true) }
    }

    /// What the index found on an event: which indicator, and the value and rule that matched, in words.
    public struct Hit: Sendable, Equatable {
        public let indicator: Int
        /// The value of the event that matched: an address, a name, a URL, a hash.
        public let value: String
        public let reason: String
        /// Matched by evaluating the pattern, not by looking up a value.
        public let isPattern: Bool
    }

    public private(set) var indicators: [Indicator] = []
    private var current: [String: Int] = [:]
    /// The tables lead to an entry: an indicator with that key, and the entry of the one before (-1: none).
    private var entries: [(indicator: Int32, next: Int32)] = []
    private var ipv4: [UInt32: Int32] = [:]
    private var ipv4Networks: [Int: [UInt32: Int32]] = [:]
    /// One bit per /24 block: set where some IPv4 network indicator covers part of it. Most addresses are in
    /// no indicator's network; one look at this 2 MiB map spares them a lookup per prefix length.
    private var ipv4NetworkBlocks: [UInt64] = []
    private var ipv6: [IPAddress: Int32] = [:]
    private var ipv6Networks: [Int: [IPAddress: Int32]] = [:]
    /// Keyed by substrings, so that a name's parent domains are looked up without copying them.
    private var domains: [Substring: Int32] = [:]
    private var urls: [String: Int32] = [:]
    private var hashes: [String: Int32] = [:]
    private var patterns: [(indicator: Int32, pattern: STIXPatternExpression, text: String, types: Set<String>)] = []
    /// Patterns over several observations (FOLLOWEDBY, REPEATS, …): held, not evaluated against single events.
    public private(set) var multiObservationPatterns = 0
    /// Indicators refused, with why: a pattern that does not compile, a non-STIX pattern type.
    public private(set) var refused: [(id: String, reason: String)] = []

    public init() {}

    public var count: Int { current.count }
    public var patternCount: Int { patterns.count }
    /// The first indicators evaluated as patterns, to say which in a report.
    public var patternExamples: [String] { patterns.prefix(3).map(\.text) }

    /// Adds an indicator (a STIX object of type `indicator`); other objects are ignored. A version older than
    /// the one held is ignored too.
    public mutating func add(_ object: JSONValue) {
        guard object["type"]?.stringValue == "indicator", let id = object["id"]?.stringValue else { return }
        guard object["pattern_type"]?.stringValue ?? "stix" == "stix" else {
            refused.append((id, "pattern_type \(object["pattern_type"]?.stringValue ?? "") is not stix"))
            return
        }
        guard let text = object["pattern"]?.stringValue else {
            refused.append((id, "no pattern"))
            return
        }
        let modified = object["modified"]?.stringValue ?? object["created"]?.stringValue ?? ""
        if let held = current[id], indicators[held].modified >= modified { return }
        let pattern: STIXPatternExpression
        do { pattern = try STIXPatternExpression(text) } catch {
            refused.append((id, error.description))
            return
        }
        let indicator = Indicator(
            id: id,
            name: object["name"]?.stringValue,
            modified: modified,
            revoked: object["revoked"]?.boolValue ?? false,
            validUntil: object["valid_until"]?.stringValue.flatMap(ISO8601.seconds),
            confidence: object["confidence"]?.integerValue.map(Int.init)
        )
        let position = Int32(indicators.count)
        indicators.append(indicator)
        current[id] = Int(position)
        if let atoms = Self.atoms(of: pattern.root) {
            for atom in atoms { index(atom, position) }
        } else if case .observation = pattern.root {
            patterns.append((position, pattern, text, Self.objectTypes(in: pattern.root)))
        } else {
            multiObservationPatterns += 1
        }
    }

    // MARK: Lookup

    /// Every indicator that applies at the event's time and matches it.
    public func hits(_ event: NetworkEvent, honouringValidity: Bool = true) -> [Hit] {
        var hits: [Hit] = []
        func hit(_ position: Int32, _ value: String, isPattern: Bool = false, _ reason: (Indicator) -> String) {
            let indicator = indicators[Int(position)]
            // Only the indicator's current version matches.
            if current[indicator.id] == Int(position), !honouringValidity || indicator.applies(at: event.time) {
                hits.append(Hit(indicator: Int(position), value: value, reason: reason(indicator), isPattern: isPattern))
            }
        }
        func collect(_ first: Int32?, _ value: String, _ reason: (Indicator) -> String) {
            var entry = first ?? -1
            while entry >= 0 {
                hit(entries[Int(entry)].indicator, value, reason)
                entry = entries[Int(entry)].next
            }
        }
        func addressHits(_ role: String, _ text: String) {
            switch IPAddress(text) {
            case .v4(let value)?:
                collect(ipv4[value], text) { "\(role) \(text) is \(Self.describe($0))" }
                let block = Int(value >> 8)
                guard !ipv4NetworkBlocks.isEmpty, ipv4NetworkBlocks[block >> 6] & (1 << UInt64(block & 63)) != 0 else { break }
                for (prefix, networks) in ipv4Networks {
                    guard let entry = networks[prefix == 0 ? 0 : value & ~(UInt32.max >> prefix)] else { continue }
                    collect(entry, text) { "\(role) \(text) is in \(IPAddress.v4(value).masked(prefix))/\(prefix) (\(Self.describe($0)))" }
                }
            case let address?:
                collect(ipv6[address], text) { "\(role) \(text) is \(Self.describe($0))" }
                for (prefix, networks) in ipv6Networks {
                    guard let entry = networks[address.masked(prefix)] else { continue }
                    collect(entry, text) { "\(role) \(text) is in \(address.masked(prefix))/\(prefix) (\(Self.describe($0)))" }
                }
            case nil: break
            }
        }
        if let destination = event.destination { addressHits("destination", destination) }
        if let source = event.source { addressHits("source", source) }
        for answer in event.answers { addressHits("DNS answer", answer) }
        for name in [event.query, event.host, event.serverName] {
            guard let name else { continue }
            let domain = Self.normalisedDomain(name)
            var suffix = domain[...]
            while !suffix.isEmpty {
                if let entry = domains[suffix] {
                    let parent = String(suffix)
                    collect(entry, domain) {
                        parent == domain ? "\(domain) is \(Self.describe($0))" : "\(domain) is a subdomain of \(parent) (\(Self.describe($0)))"
                    }
                }
                guard let dot = suffix.utf8.firstIndex(of: UInt8(ascii: ".")) else { break }
                suffix = suffix[suffix.utf8.index(after: dot)...]
            }
        }
        if let url = event.url.map(Self.normalisedURL) { collect(urls[url], url) { "\(url) is \(Self.describe($0))" } }
        for (algorithm, hash) in [("MD5", event.md5), ("SHA-1", event.sha1), ("SHA-256", event.sha256)] {
            guard let hash else { continue }
            collect(hashes[hash], hash) { "a file with \(algorithm) \(hash) is \(Self.describe($0))" }
        }
        if !patterns.isEmpty {
            // The observation is built only for an event that has an object some pattern is about.
            let types = EventObservation.objectTypes(of: event)
            var observation: PatternObservation?
            for entry in patterns where !entry.types.isDisjoint(with: types) {
                if observation == nil { observation = EventObservation.observation(of: event) }
                guard (try? entry.pattern.matches([observation!])) == true else { continue }
                hit(entry.indicator, event.destination ?? event.names.first ?? "", isPattern: true) {
                    "the event matches the pattern \(entry.text) of \(Self.describe($0))"
                }
            }
        }
        return hits
    }

    static func describe(_ indicator: Indicator) -> String {
        indicator.name.map { "indicator “\($0)” (\(indicator.id))" } ?? "indicator \(indicator.id)"
    }

    // MARK: Building

    /// What can be looked up by value.
    enum Atom: Equatable {
        case address(IPNetwork)
        case domain(String)
        case url(String)
        case hash(String)
    }

    /// The values a single-observation pattern of ORed equalities (or network tests) names; nil for any other
    /// pattern, which is then evaluated as a pattern.
    static func atoms(of expression: ObservationExpression) -> [Atom]? {
        guard case .observation(let comparison) = expression else { return nil }
        func atoms(_ comparison: ComparisonExpression) -> [Atom]? {
            switch comparison {
            case .or(let left, let right):
                guard let left = atoms(left), let right = atoms(right) else { return nil }
                return left + right
            case .and: return nil
            case .test(let test): return atom(test).map { [$0] }
            }
        }
        return atoms(comparison)
    }

    static func atom(_ test: PropertyTest) -> Atom? {
        guard !test.negated else { return nil }
        let path = test.path.steps
        switch (test.path.objectType, test.comparison) {
        case ("ipv4-addr", .equal(.string(let value), false)), ("ipv6-addr", .equal(.string(let value), false)):
            guard path == [.key("value")] else { return nil }
            return IPNetwork(value).map(Atom.address)
        case ("ipv4-addr", .isSubset(let network)), ("ipv6-addr", .isSubset(let network)):
            return path == [.key("value")] ? .address(network) : nil
        case ("domain-name", .equal(.string(let value), false)):
            return path == [.key("value")] ? .domain(normalisedDomain(value)) : nil
        case ("url", .equal(.string(let value), false)):
            return path == [.key("value")] ? .url(normalisedURL(value)) : nil
        case ("file", .equal(.string(let value), false)):
            guard path.count == 2, path[0] == .key("hashes"), case .key(let algorithm) = path[1],
                ["md5", "sha-1", "sha1", "sha-256", "sha256"].contains(algorithm.lowercased())
            else { return nil }
            return .hash(value.lowercased())
        default:
            return nil
        }
    }

    private mutating func index(_ atom: Atom, _ position: Int32) {
        func link<Key: Hashable>(_ table: inout [Key: Int32], _ key: Key) {
            entries.append((position, table[key] ?? -1))
            table[key] = Int32(entries.count - 1)
        }
        switch atom {
        case .domain(let name): link(&domains, name[...])
        case .url(let url): link(&urls, url)
        case .hash(let hash): link(&hashes, hash)
        case .address(let network):
            switch (network.address, network.prefix == network.address.bitWidth) {
            case (.v4(let value), true): link(&ipv4, value)
            case (.v4(let value), false):
                link(&ipv4Networks[network.prefix, default: [:]], value)
                if ipv4NetworkBlocks.isEmpty { ipv4NetworkBlocks = [UInt64](repeating: 0, count: (1 << 24) / 64) }
                // The /24 blocks the network touches: all of them for /24 and shorter, its own for longer.
                let first = Int(value >> 8)
                let count = network.prefix >= 24 ? 1 : 1 << (24 - network.prefix)
                for block in first..<first + count { ipv4NetworkBlocks[block >> 6] |= 1 << UInt64(block & 63) }
            case (let address, true): link(&ipv6, address)
            case (let address, false): link(&ipv6Networks[network.prefix, default: [:]], address)
            }
        }
    }

    static func objectTypes(in expression: ObservationExpression) -> Set<String> {
        func types(_ comparison: ComparisonExpression) -> Set<String> {
            switch comparison {
            case .and(let left, let right), .or(let left, let right): types(left).union(types(right))
            case .test(let test): [test.path.objectType]
            }
        }
        if case .observation(let comparison) = expression { return types(comparison) }
        return []
    }

    /// Lower case, without a final dot.
    static func normalisedDomain(_ name: String) -> String {
        let lowered = name.utf8.contains(where: { (0x41...0x5A).contains($0) }) ? name.lowercased() : name
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }

    /// Scheme and host in lower case, the default port dropped, an empty path made `/`; the rest as written.
    static func normalisedURL(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<pathStart].lowercased()
        if (scheme == "http" && authority.hasSuffix(":80")) || (scheme == "https" && authority.hasSuffix(":443")) {
            authority = String(authority[..<authority.lastIndex(of: ":")!])
        }
        let path = rest[pathStart...]
        return scheme + "://" + authority + (path.isEmpty ? "/" : path.hasPrefix("/") ? String(path) : "/" + path)
    }
}
