import CanonicalJSON
import Foundation
import Intelligence

/// What detection found, explained: an indicator or pattern that matched, a beacon, a generated domain. Events
/// of one kind from one source about one thing are counted together, from the first seen to the last.
public struct Finding: Sendable, Equatable {
    public enum Kind: String, Sendable { case indicator, pattern, beacon, dga }

    public var kind: Kind
    /// 0 to 1: how strongly this points at something hostile.
    public var score: Double
    public var source: String?
    public var destination: String?
    public var domain: String?
    /// What matched: an address, a name, a URL, a hash.
    public var value: String?
    /// The STIX id of the indicator that matched, if one did.
    public var indicator: String?
    public var count: Int
    /// Seconds since 1970.
    public var firstSeen: Double
    public var lastSeen: Double
    public var reasons: [String]
    /// Why a finding that scored high is benign (a periodic service every network has), or nil: an alert.
    public var explanation: String?

    public init(
        kind: Kind,
        score: Double,
        source: String?,
        destination: String?,
        domain: String?,
        value: String?,
        indicator: String?,
        count: Int,
        firstSeen: Double,
        lastSeen: Double,
        reasons: [String],
        explanation: String? = nil
    ) {
        self.kind = kind
        self.score = score
        self.source = source
        self.destination = destination
        self.domain = domain
        self.value = value
        self.indicator = indicator
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.reasons = reasons
        self.explanation = explanation
    }

    /// One line of `entente detect --json`.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "score": .number((score * 1000).rounded() / 1000), "count": .number(Double(count)),
            "firstSeen": .string(Self.timestamp(firstSeen)), "lastSeen": .string(Self.timestamp(lastSeen)),
            "reasons": .array(reasons.map(JSONValue.string)),
        ]
        members["source"] = source.map(JSONValue.string)
        members["destination"] = destination.map(JSONValue.string)
        members["domain"] = domain.map(JSONValue.string)
        members["value"] = value.map(JSONValue.string)
        members["indicator"] = indicator.map(JSONValue.string)
        members["explained"] = explanation.map(JSONValue.string)
        return .object(members)
    }

    public static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension Finding {
    /// A finding as `json` writes it; nil when a member is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let kind = json["kind"]?.stringValue.flatMap(Kind.init), case .number(let score)? = json["score"],
            let count = json["count"]?.integerValue, let first = json["firstSeen"]?.stringValue.flatMap(ISO8601.seconds),
            let last = json["lastSeen"]?.stringValue.flatMap(ISO8601.seconds), let reasons = json["reasons"]?.arrayValue
        else { return nil }
        self.init(
            kind: kind,
            score: score,
            source: json["source"]?.stringValue,
            destination: json["destination"]?.stringValue,
            domain: json["domain"]?.stringValue,
            value: json["value"]?.stringValue,
            indicator: json["indicator"]?.stringValue,
            count: Int(count),
            firstSeen: first,
            lastSeen: last,
            reasons: reasons.compactMap(\.stringValue),
            explanation: json["explained"]?.stringValue
        )
    }
}

/// Matches events against an indicator index and gathers the hits into findings, one per indicator, source and
/// matched value.
public struct IndicatorDetector: Sendable {
    public let index: IndicatorIndex
    public let honouringValidity: Bool
    private var findings: [Key: Finding] = [:]
    /// Events that matched at least one indicator, per log.
    public private(set) var eventsHit: [NetworkEvent.Log: Int] = [:]

    struct Key: Hashable {
        let indicator: Int
        let source: String?
        let value: String
    }

    public init(index: IndicatorIndex, honouringValidity: Bool = true) {
        self.index = index
        self.honouringValidity = honouringValidity
    }

    public mutating func observe(_ event: NetworkEvent) {
        let hits = index.hits(event, honouringValidity: honouringValidity)
        guard !hits.isEmpty else { return }
        eventsHit[event.log, default: 0] += 1
        for hit in hits {
            let key = Key(indicator: hit.indicator, source: event.source, value: hit.value)
            if findings[key] != nil {
                findings[key]!.count += 1
                findings[key]!.firstSeen = min(findings[key]!.firstSeen, event.time)
                findings[key]!.lastSeen = max(findings[key]!.lastSeen, event.time)
                continue
            }
            let indicator = index.indicators[hit.indicator]
            let isAddress = IPAddress(hit.value) != nil
            findings[key] = Finding(
                kind: hit.isPattern ? .pattern : .indicator,
                score: Double(indicator.confidence ?? 80) / 100,
                source: event.source,
                destination: isAddress ? hit.value : event.destination,
                domain: isAddress ? nil : (event.query ?? event.host ?? event.serverName),
                value: hit.value,
                indicator: indicator.id,
                count: 1,
                firstSeen: event.time,
                lastSeen: event.time,
                reasons: [hit.reason + " (\(event.log.rawValue).log)"]
            )
        }
    }

    /// The findings, strongest and most frequent first.
    public var results: [Finding] {
        findings.values.sorted { ($0.score, $0.count, $1.firstSeen) > ($1.score, $1.count, $0.firstSeen) }
    }

    /// Matched events, summed over the findings (an event matching two indicators counts twice).
    public var matches: Int { findings.values.map(\.count).reduce(0, +) }
}
