import CanonicalJSON
import Foundation

/// How beacon scoring does on labelled pairs (../shared/data/detection/beacons: `beacon`, `benign-periodic`, and
/// every unlisted pair benign and aperiodic): recall and precision at the detector's threshold and in a fixed alert
/// budget, PR-AUC, recall by period and jitter, and what happened to each kind of benign periodic service.
public struct BeaconEvaluation: Sendable {
    public struct Outcome: Sendable {
        public var pairs = 0
        public var alerted = 0
        public var explained = 0
    }

    public let scoredPairs: Int
    public let beacons: Int
    public let alerts: Int
    public let truePositives: Int
    public let aperiodicAlerts: Int
    public let recallTop50: Double
    public let recallTop100: Double
    public let averagePrecision: Double
    public let byPeriod: [(name: String, beacons: Int, found: Int)]
    public let byJitter: [(name: String, beacons: Int, found: Int)]
    public let benignPeriodic: [String: Outcome]
    /// Beacons not alerted: "src → dst (period s, jitter): score, explanation".
    public let missed: [String]

    public var recall: Double { beacons == 0 ? 0 : Double(truePositives) / Double(beacons) }
    public var precision: Double { alerts == 0 ? 0 : Double(truePositives) / Double(alerts) }

    /// - Parameters:
    ///   - findings: every scored pair (`BeaconDetector.findings(minimumScore: 0)`).
    ///   - labels: "src dst" → [label, period, jitter].
    ///   - kinds: "src dst" → the service kind of a labelled pair.
    public init(findings: [Finding], labels: [String: [String]], kinds: [String: String] = [:]) {
        func key(_ finding: Finding) -> String { "\(finding.source ?? "") \(finding.destination ?? "")" }
        func label(_ finding: Finding) -> String { labels[key(finding)]?.first ?? "benign" }
        let isAlert = { (finding: Finding) in finding.explanation == nil && finding.score >= BeaconDetector.threshold }
        scoredPairs = findings.count
        let beaconLabels = labels.filter { $0.value.first == "beacon" }
        let beaconCount = beaconLabels.count
        beacons = beaconCount
        let alerted = findings.filter(isAlert)
        alerts = alerted.count
        truePositives = alerted.filter { label($0) == "beacon" }.count
        aperiodicAlerts = alerted.filter { label($0) == "benign" }.count

        // The ranking an analyst sees: unexplained pairs by score; explained ones are not in it.
        let ranked = findings.filter { $0.explanation == nil }.sorted { $0.score > $1.score }
        func recall(top: Int) -> Double {
            beaconCount == 0 ? 0 : Double(ranked.prefix(top).filter { label($0) == "beacon" }.count) / Double(beaconCount)
        }
        recallTop50 = recall(top: 50)
        recallTop100 = recall(top: 100)
        var found = 0
        var precisionSum = 0.0
        for (rank, finding) in ranked.enumerated() where label(finding) == "beacon" {
            found += 1
            precisionSum += Double(found) / Double(rank + 1)
        }
        averagePrecision = beaconCount == 0 ? 0 : precisionSum / Double(beaconCount)

        let alertedKeys = Set(alerted.map(key))
        func breakdown(_ buckets: [(String, (Double) -> Bool)], column: Int) -> [(name: String, beacons: Int, found: Int)] {
            buckets.map { name, contains in
                let members = beaconLabels.filter { $0.value.count > column && contains(Double($0.value[column]) ?? -1) }
                return (name, members.count, members.filter { alertedKeys.contains($0.key) }.count)
            }
        }
        byPeriod = breakdown([("≤ 60 s", { $0 <= 60 }), ("61–600 s", { $0 > 60 && $0 <= 600 }), ("> 600 s", { $0 > 600 })], column: 1)
        byJitter = breakdown([("0", { $0 == 0 }), ("≤ 0.2", { $0 > 0 && $0 <= 0.2 }), ("> 0.2", { $0 > 0.2 })], column: 2)

        var outcomes: [String: Outcome] = [:]
        let byKey = Dictionary(findings.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        for (pair, columns) in labels where columns.first == "benign-periodic" {
            let kind = kinds[pair] ?? "benign-periodic"
            outcomes[kind, default: Outcome()].pairs += 1
            guard let finding = byKey[pair] else { continue }
            if finding.explanation != nil && finding.score >= BeaconDetector.threshold { outcomes[kind]!.explained += 1 }
            if isAlert(finding) { outcomes[kind]!.alerted += 1 }
        }
        benignPeriodic = outcomes
        missed = beaconLabels.keys.sorted().compactMap { pair in
            guard !alertedKeys.contains(pair) else { return nil }
            let columns = beaconLabels[pair]!
            let finding = byKey[pair]
            let scored = finding.map { String(format: "score %.3f", $0.score) + ($0.explanation.map { ", explained: " + $0 } ?? "") } ?? "not scored"
            return
                "\(pair.replacingOccurrences(of: " ", with: " → ")) (period \(columns.count > 1 ? columns[1] : "?") s, jitter \(columns.count > 2 ? columns[2] : "?")): \(scored)"
        }
    }

    public struct LabelError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Labels as the data set writes them (src, dst, label, … tab-separated; `#` lines skipped), keyed by
    /// "src dst", the columns after the pair as values. The first row of a pair wins (labels-detail.tsv lists a
    /// pair once per service).
    public static func labels(fromTSV text: String) throws(LabelError) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 3 else { throw LabelError(description: "expected src, dst, label… per line, found \(line)") }
            if rows["\(columns[0]) \(columns[1])"] == nil { rows["\(columns[0]) \(columns[1])"] = Array(columns.dropFirst(2)) }
        }
        return rows
    }

    public var json: JSONValue {
        func number(_ value: Double) -> JSONValue { .number((value * 1000).rounded() / 1000) }
        func buckets(_ rows: [(name: String, beacons: Int, found: Int)]) -> JSONValue {
            .array(rows.map { .object(["name": .string($0.name), "beacons": .number(Double($0.beacons)), "found": .number(Double($0.found))]) })
        }
        return .object([
            "pairsScored": .number(Double(scoredPairs)), "beacons": .number(Double(beacons)), "alerts": .number(Double(alerts)),
            "recall": number(recall), "precision": number(precision), "recallTop50": number(recallTop50),
            "recallTop100": number(recallTop100), "prAUC": number(averagePrecision), "aperiodicAlerts": .number(Double(aperiodicAlerts)),
            "byPeriod": buckets(byPeriod), "byJitter": buckets(byJitter),
            "benignPeriodic": .object(
                benignPeriodic.mapValues {
                    .object(["pairs": .number(Double($0.pairs)), "alerted": .number(Double($0.alerted)), "explained": .number(Double($0.explained))])
                }
            ),
            "missed": .array(missed.map(JSONValue.string)),
        ])
    }

    public var report: String {
        var lines = [
            "\(scoredPairs) pairs with ≥ \(BeaconDetector.minimumConnections) connections scored; \(beacons) labelled beacons",
            String(
                format: "at the threshold (%.2f): %d alerts, recall %.3f, precision %.3f, %d on aperiodic benign pairs",
                BeaconDetector.threshold,
                alerts,
                recall,
                precision,
                aperiodicAlerts
            ),
            String(format: "recall in the top 50: %.3f, top 100: %.3f; PR-AUC (average precision) %.3f", recallTop50, recallTop100, averagePrecision),
            "recall by period: " + byPeriod.map { "\($0.name) \($0.found)/\($0.beacons)" }.joined(separator: ", "),
            "recall by jitter: " + byJitter.map { "\($0.name) \($0.found)/\($0.beacons)" }.joined(separator: ", "),
            "benign periodic kind\tpairs\talerted\texplained",
        ]
        for (kind, outcome) in benignPeriodic.sorted(by: { $0.key < $1.key }) {
            lines.append("\(kind)\t\(outcome.pairs)\t\(outcome.alerted)\t\(outcome.explained)")
        }
        lines += missed.map { "missed: " + $0 }
        return lines.joined(separator: "\n")
    }
}
