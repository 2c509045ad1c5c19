import Foundation
import Intelligence

/// Command-and-control beacons in connection logs: a source that calls the same destination on a schedule. Every
/// source→destination pair (all ports and protocols together, as RITA counts them) is scored on how regular its
/// timing and request sizes are; a pair that scores high is then either explained as one of the periodic services
/// every network has (time synchronisation, directory refresh, monitoring, discovery, software that a fleet of hosts
/// runs alike) or reported as a beacon, with its schedule in words.
///
/// Connections are kept as three flat arrays (pair, time, size), 16 bytes each, and sorted by pair only when the
/// results are asked for; past `connectionLimit` further connections are counted but not analysed.
public struct BeaconDetector: Sendable {
    /// Pairs scoring at least this are reported (alerts, or explained as benign). Fixed on the labelled synthetic
    /// data of ../shared/data/detection/beacons: no aperiodic pair scores above 0.47 there.
    public static let threshold = 0.5
    /// Fewer connections than this say nothing about a schedule.
    public static let minimumConnections = 4
    /// Distinct internal hosts reaching one destination on schedules of their own before it counts as fleet software.
    public static let fleetHosts = 3
    /// Connections analysed at most (16 bytes each); those past it are counted in `overflow`.
    public let connectionLimit: Int

    struct PairKey: Hashable {
        let source: String
        let destination: String
    }

    struct PairFacts {
        var transport: String?
        var ports: Set<Int> = []
        var services: Set<String> = []
        var states: [String: Int] = [:]
        var sourceIsLocal = false
        var destinationIsLocal = false
        var totalDuration = 0.0

        mutating func record(_ event: NetworkEvent) {
            if transport == nil { transport = event.transport }
            if let port = event.destinationPort, ports.count < 8 { ports.insert(port) }
            if let service = event.service, services.count < 4 { services.insert(service) }
            if let state = event.state, states.count < 8 || states[state] != nil { states[state, default: 0] += 1 }
            totalDuration += event.duration ?? 0
            if event.sourceIsLocal == true { sourceIsLocal = true }
            if event.destinationIsLocal == true { destinationIsLocal = true }
        }
    }

    private var pairIndex: [PairKey: Int32] = [:]
    private var keys: [PairKey] = []
    private var facts: [PairFacts] = []
    private var connectionPair: [Int32] = []
    private var connectionTime: [Double] = []
    private var connectionSize: [Int32] = []
    /// Connections past the limit, not analysed.
    public private(set) var overflow = 0

    public init(connectionLimit: Int = 50_000_000) { self.connectionLimit = connectionLimit }

    public mutating func observe(_ event: NetworkEvent) {
        guard event.log == .conn || event.log == .flow, let source = event.source, let destination = event.destination else { return }
        guard connectionPair.count < connectionLimit else {
            overflow += 1
            return
        }
        let key = PairKey(source: source, destination: destination)
        let pair: Int32
        if let known = pairIndex[key] {
            pair = known
        } else {
            pair = Int32(keys.count)
            pairIndex[key] = pair
            keys.append(key)
            facts.append(PairFacts())
        }
        connectionPair.append(pair)
        connectionTime.append(event.time)
        connectionSize.append(Int32(clamping: event.sentBytes ?? 0))
        // In place: a copy taken out and put back would share, and so copy, its sets on every connection.
        facts[Int(pair)].record(event)
    }

    /// Every pair scoring at or above the threshold: beacons, and periodic pairs explained as benign services.
    public var results: [Finding] { findings(minimumScore: Self.threshold) }

    /// Every pair with enough connections scoring at least `minimumScore`, alerts first, strongest first.
    public func findings(minimumScore: Double) -> [Finding] {
        let schedules = scoredPairs()
        let byPair = Dictionary(uniqueKeysWithValues: schedules.map { ($0.pair, $0) })
        // Per destination, the internal sources that reach it on a schedule: fleet software is run by many hosts.
        var regularSources: [String: Int] = [:]
        for schedule in schedules
        where schedule.score >= Self.threshold && isInternal(keys[schedule.pair].source, local: facts[schedule.pair].sourceIsLocal) {
            regularSources[keys[schedule.pair].destination, default: 0] += 1
        }
        let rotations = rotatingSchedules(byPair)

        return schedules.compactMap { schedule -> Finding? in
            let pair = schedule.pair
            var schedule = schedule
            var rotationReason: String?
            if let rotation = rotations[schedule.pair], rotation.schedule.score > schedule.score {
                rotationReason =
                    "rotates with \(rotation.others.joined(separator: ", ")) on the same port: together \(rotation.schedule.summary)"
                schedule = rotation.schedule
                schedule.pair = pair
            }
            guard schedule.score >= minimumScore else { return nil }
            let key = keys[schedule.pair]
            let pairFacts = facts[schedule.pair]
            var reasons = schedule.reasons
            if let rotationReason { reasons.insert(rotationReason, at: 0) }
            reasons += warnings(key, pairFacts)
            return Finding(
                kind: .beacon,
                score: schedule.score,
                source: key.source,
                destination: key.destination,
                domain: nil,
                value: pairFacts.ports.sorted().prefix(3).map { "\($0)/\(pairFacts.transport ?? "?")" }.joined(separator: ","),
                indicator: nil,
                count: schedule.connections,
                firstSeen: schedule.first,
                lastSeen: schedule.last,
                reasons: reasons,
                explanation: explanation(key, pairFacts, schedule, regularSources: regularSources[key.destination] ?? 0)
            )
        }
        .sorted { ($0.explanation == nil ? 1 : 0, $0.score, $0.count) > ($1.explanation == nil ? 1 : 0, $1.score, $1.count) }
    }

    // MARK: Scoring

    /// The connections of each pair with enough of them, scored.
    private func scoredPairs() -> [Schedule] {
        // A counting sort of the connections by pair.
        var starts = [Int](repeating: 0, count: keys.count + 1)
        for pair in connectionPair { starts[Int(pair) + 1] += 1 }
        for index in 0..<keys.count { starts[index + 1] += starts[index] }
        var next = starts
        var order = [Int32](repeating: 0, count: connectionPair.count)
        for (connection, pair) in connectionPair.enumerated() {
            order[next[Int(pair)]] = Int32(connection)
            next[Int(pair)] += 1
        }
        var schedules: [Schedule] = []
        for pair in 0..<keys.count where starts[pair + 1] - starts[pair] >= Self.minimumConnections {
            let connections = order[starts[pair]..<starts[pair + 1]]
            if let schedule = Schedule(
                pair: pair,
                times: connections.map { connectionTime[Int($0)] },
                sizes: connections.map { connectionSize[Int($0)] }
            ) {
                schedules.append(schedule)
            }
        }
        return schedules
    }

    /// An implant rotating over several controllers calls each one at a multiple of its period and looks weak on
    /// every pair: the pairs of one source on one port that were active over the same hours, each called about as
    /// often as the others, taken together show the schedule.
    private func rotatingSchedules(_ byPair: [Int: Schedule]) -> [Int: (schedule: Schedule, others: [String])] {
        var groups: [String: [Schedule]] = [:]
        for (pair, schedule) in byPair {
            let pairFacts = facts[pair]
            guard pairFacts.ports.count == 1, let port = pairFacts.ports.first else { continue }
            groups["\(keys[pair].source) \(pairFacts.transport ?? "") \(port)", default: []].append(schedule)
        }
        var rotations: [Int: (Schedule, [String])] = [:]
        for candidates in groups.values where candidates.count >= 2 {
            var assigned: Set<Int> = []
            for anchor in candidates.sorted(by: { $0.first < $1.first }) where !assigned.contains(anchor.pair) {
                let tolerance = max(300, (anchor.last - anchor.first) / 20)
                let members = candidates.filter {
                    !assigned.contains($0.pair) && abs($0.first - anchor.first) <= tolerance && abs($0.last - anchor.last) <= tolerance
                        && min($0.connections, anchor.connections) * 2 >= max($0.connections, anchor.connections)
                }
                guard (2...8).contains(members.count) else { continue }
                let memberSet = Set(members.map { Int32($0.pair) })
                var times: [Double] = []
                var sizes: [Int32] = []
                for (connection, pair) in connectionPair.enumerated() where memberSet.contains(pair) {
                    times.append(connectionTime[connection])
                    sizes.append(connectionSize[connection])
                }
                guard let combined = Schedule(pair: anchor.pair, times: times, sizes: sizes), combined.score >= Self.threshold,
                    combined.score > members.map(\.score).max()!
                else { continue }
                for member in members {
                    assigned.insert(member.pair)
                    rotations[member.pair] = (combined, members.filter { $0.pair != member.pair }.map { keys[$0.pair].destination }.sorted())
                }
            }
        }
        return rotations
    }

    // MARK: Explanations

    /// Ports of directory services a Windows host refreshes from its domain controller: Kerberos, RPC, LDAP, SMB,
    /// the global catalogue.
    static let directoryPorts: Set<Int> = [88, 135, 389, 445, 464, 636, 3268, 3269]

    /// Why a regular pair is a benign periodic service, or nil when nothing explains it.
    private func explanation(_ key: PairKey, _ pairFacts: PairFacts, _ schedule: Schedule, regularSources: Int) -> String? {
        let destination = IPAddress(key.destination)
        let sourceInternal = isInternal(key.source, local: pairFacts.sourceIsLocal)
        let destinationInternal = isInternal(key.destination, local: pairFacts.destinationIsLocal)
        if let destination, destination.isMulticastOrBroadcast {
            return "multicast or broadcast discovery (SSDP, mDNS, NetBIOS): announcements to the local network, not a controller"
        }
        if pairFacts.transport == "udp", pairFacts.ports.contains(123) || pairFacts.services.contains("ntp") {
            return "time synchronisation (NTP, UDP port 123)"
        }
        if sourceInternal, destinationInternal {
            if pairFacts.transport == "icmp" {
                return "ICMP between internal hosts: monitoring probes or error replies"
            }
            if !pairFacts.ports.isDisjoint(with: Self.directoryPorts) {
                return "directory refresh to an internal server (Kerberos, LDAP, SMB: group policy, domain controller)"
            }
            if pairFacts.transport == "udp" {
                return "UDP between internal hosts: local discovery and service replies"
            }
        }
        if pairFacts.transport == "tcp", pairFacts.totalDuration / Double(schedule.connections) >= schedule.medianInterval / 2 {
            return
                "each connection is held open for most of the interval, then reopened: a long-poll push channel (cloud sync, messaging), not a check-in"
        }
        if sourceInternal, !destinationInternal, regularSources >= Self.fleetHosts {
            return
                "\(regularSources) internal hosts reach \(key.destination) on schedules of their own: software run across the fleet (agent heartbeat, update check, sync)"
        }
        return nil
    }

    /// Facts that make a beacon more suspicious, in words.
    private func warnings(_ key: PairKey, _ pairFacts: PairFacts) -> [String] {
        var warnings: [String] = []
        let total = pairFacts.states.values.reduce(0, +)
        let refused = (pairFacts.states["REJ"] ?? 0) + (pairFacts.states["S0"] ?? 0)
        if pairFacts.transport == "tcp", total > 0, refused * 10 >= total * 9 {
            warnings.append("\(refused) of \(total) connections were refused or unanswered: a client retrying a controller that is gone")
        }
        if pairFacts.ports.contains(53), !isInternal(key.destination, local: pairFacts.destinationIsLocal) {
            warnings.append("DNS sent straight to an external server instead of the network's resolver")
        }
        return warnings
    }

    func isInternal(_ address: String, local: Bool) -> Bool {
        local || IPAddress(address)?.isInternal == true
    }
}

/// The timing and sizes of one pair's connections, scored.
struct Schedule {
    var pair: Int
    let score: Double
    let connections: Int
    let first: Double
    let last: Double
    let summary: String
    let reasons: [String]
    let medianInterval: Double

    /// Nil when fewer than the minimum connections have distinct times.
    init?(pair: Int, times: [Double], sizes: [Int32]) {
        let distinct = Array(Set(times)).sorted()
        guard distinct.count >= BeaconDetector.minimumConnections else { return nil }
        let intervals = zip(distinct.dropFirst(), distinct).map { $0 - $1 }.sorted()
        let median = Self.quantile(intervals, 0.5)
        guard median > 0 else { return nil }
        let (q1, q3) = (Self.quantile(intervals, 0.25), Self.quantile(intervals, 0.75))
        let bowley = q3 == q1 ? 0 : (q1 + q3 - 2 * median) / (q3 - q1)
        let dispersion = Self.medianAbsoluteDeviation(intervals, median: median) / median
        let sortedSizes = sizes.map(Double.init).sorted()
        let medianSize = Self.quantile(sortedSizes, 0.5)
        let sizeDispersion = medianSize > 0 ? Self.medianAbsoluteDeviation(sortedSizes, median: medianSize) / medianSize : 0
        let span = distinct.last! - distinct.first!
        // Check-ins present out of those the median interval predicts: pauses and missed calls lower it.
        let continuity = min(1, Double(distinct.count - 1) * median / span)
        let timing = max(0, 1 - dispersion / 0.5)
        let symmetry = 1 - min(1, abs(bowley))
        let sizeRegularity = max(0, 1 - sizeDispersion / 0.5)
        // A handful of connections can look regular by chance; 24 or more carry full weight.
        let confidence = min(1, log2(Double(distinct.count)) / log2(24))
        self.pair = pair
        medianInterval = median
        score = (2 * timing + symmetry + sizeRegularity + continuity) / 5 * confidence
        connections = times.count
        first = distinct.first!
        last = distinct.last!

        let hours = Set(distinct.map { Int($0 / 3600) })
        let hourSpan = Int(last / 3600) - Int(first / 3600) + 1
        summary = "every \(Self.duration(median)) (half the intervals within ±\(Self.percent(dispersion)) of it)"
        reasons = [
            "calls \(summary), \(distinct.count) connections over \(Self.duration(span))",
            "interval distribution \(abs(bowley) < 0.2 ? "symmetric" : "skewed") (Bowley skew \(String(format: "%.2f", bowley)))",
            medianSize > 0
                ? "requests of nearly one size: \(Int(medianSize)) bytes ±\(Self.percent(sizeDispersion))" : "no payload sent",
            "\(Self.percent(continuity)) of the check-ins its interval predicts; connected in \(hours.count) of the \(hourSpan) hours it was active",
        ]
    }

    /// Linear interpolation between the closest ranks (numpy's default), of sorted values.
    static func quantile(_ sorted: [Double], _ fraction: Double) -> Double {
        let position = Double(sorted.count - 1) * fraction
        let lower = Int(position)
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    static func medianAbsoluteDeviation(_ values: [Double], median: Double) -> Double {
        quantile(values.map { abs($0 - median) }.sorted(), 0.5)
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 1
            ? String(format: "%.2f s", seconds)
            : seconds < 120
                ? String(format: "%.0f s", seconds)
                : seconds < 7200
                    ? String(format: "%.0f min", seconds / 60)
                    : String(format: "%.1f h", seconds / 3600)
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }
}

extension IPAddress {
    /// Private, unique-local, link-local, loopback or shared (carrier-grade NAT) space: inside some network. (A
    /// directed broadcast, x.x.x.255, counts as broadcast only inside such space.)
    public var isInternal: Bool {
        switch self {
        case .v4(let value):
            return value >> 24 == 10 || value >> 20 == 0xAC1 || value >> 16 == 0xC0A8 || value >> 24 == 127 || value >> 16 == 0xA9FE
                || value >> 22 == 0x191  // 100.64.0.0/10
        case .v6(let high, let low):
            return high >> 57 == 0x7E  // fc00::/7
                || high >> 54 == 0x3FA  // fe80::/10
                || (high == 0 && low == 1)
        }
    }

    public var isMulticastOrBroadcast: Bool {
        switch self {
        case .v4(let value): return value >> 28 == 0xE || value == .max || (isInternal && value & 0xFF == 0xFF)
        case .v6(let high, _): return high >> 56 == 0xFF
        }
    }
}
