import ArgumentParser
import CanonicalJSON
import Detection
import Foundation
import Intelligence
import NodeAPI
import OpenAPIRuntime

struct Detect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Find partners' indicators, STIX patterns, beacons and generated domain names in network logs (Zeek TSV or JSON, CSV flows; gzip accepted).",
        discussion: "entente detect LOG… --indicators FILE [--json], or entente detect LOG… --data DIR: see `entente detect logs --help`.",
        subcommands: [Logs.self, BenchPatterns.self, TrainDGA.self, EvaluateDGA.self, EvaluateBeacons.self],
        defaultSubcommand: Logs.self
    )
}

extension Detect {
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logs",
            abstract: "Scan network logs (the default: entente detect LOG… --indicators FILE, or --data DIR to scan on the node).",
            discussion: """
                Reads each LOG as it streams (constant memory; `-` is standard input) and matches every line against
                STIX indicators: addresses and networks (IPv4, IPv6, every enclosing network), domains and their
                subdomains, URLs, file hashes, and any other STIX pattern. Revoked indicators never match; an expired one
                does not match traffic after its valid_until (--ignore-validity matches them all). Lines that cannot be
                read are counted and their numbers reported; they never stop the run.

                Also scores every source→destination pair of conn logs and flows for beaconing (regular timing and sizes:
                Bowley skew, median absolute deviation, continuity, hours active) and explains the periodic services every
                network has instead of alerting on them; and scores queried names for machine generation (DGA), per host.

                With --indicators FILE (a STIX bundle or JSON lines of STIX objects) it runs here, without a node. With
                --data DIR, or --node URL and --token TOKEN, each log is sent to the node, matched against the indicators
                the node holds, and the run and its findings are recorded there: listed on the Detection page, where a
                finding becomes a sighting for the indicator's producer or evidence in a case.

                Prints each finding with its reasons, or with --json one JSON object per line: kind, score, source,
                destination or domain, value, indicator, count, firstSeen, lastSeen, reasons (and explained, for a benign
                periodic pair listed with --explained; id, run and tlp from a node). The summary goes to standard error,
                with progress on a terminal.
                """
        )

        @Argument(help: "Log files: conn, dns, http, ssl, files (Zeek TSV or JSON lines), or CSV flow records.") var logs: [String]
        @Option(help: "STIX indicators: a bundle, or JSON lines of STIX objects (scan here, without a node).") var indicators: String?
        @Option(help: "The node's data directory: scan on the node, with its indicators, and record the findings there.") var data: String?
        @Option(help: "The node's base URL, e.g. http://127.0.0.1:7301 (with --token), instead of --data.") var node: String?
        @Option(parsing: .unconditional, help: "The operator token or a person's API token (`entente user token`).") var token: String?
        @Option(help: "CSV columns, NAME=COLUMN,… (NAME: ts, src, sport, dst, dport, proto, sent, received, query, host, uri, md5, sha1, sha256, …).")
        var csvMap: String?
        @Flag(help: "Also match revoked and expired indicators.") var ignoreValidity = false
        @Flag(inversion: .prefixedNo, help: "Report hosts querying machine-generated-looking names (DGA).") var dga = true
        @Flag(inversion: .prefixedNo, help: "Report source→destination pairs calling on a schedule (beacons) in conn logs and flows.")
        var beacons = true
        @Flag(help: "Also print the periodic pairs explained as benign services (NTP, directory refresh, monitoring, fleet software).")
        var explained = false
        @Flag(help: "Print one JSON object per finding, one per line.") var json = false

        var onNode: Bool { data != nil || node != nil }

        func validate() throws {
            guard !logs.isEmpty else { throw ValidationError("name at least one log") }
            guard (indicators != nil) != onNode else {
                throw ValidationError(
                    "give --indicators FILE to scan here, or --data DIR (or --node URL --token TOKEN) to scan on the node: one of the two"
                )
            }
            if node != nil && token == nil { throw ValidationError("--node needs --token: the operator's or a person's API token") }
            if onNode {
                let unsupported = [
                    csvMap.map { _ in "--csv-map" }, ignoreValidity ? "--ignore-validity" : nil, dga ? nil : "--no-dga",
                    beacons ? nil : "--no-beacons",
                    explained ? "--explained (the node keeps them: GET /api/v1/detection/findings?explained=true)" : nil,
                ].compactMap { $0 }
                guard unsupported.isEmpty else {
                    throw ValidationError("on a node, logs are scanned as the node does: \(unsupported.joined(separator: ", ")) apply without one")
                }
            }
        }

        func run() async throws {
            if let indicators { try runHere(indicators) } else { try await runOnNode() }
        }

        func runHere(_ indicators: String) throws {
            let progress = isatty(STDERR_FILENO) != 0
            let columns: CSVColumns
            do { columns = try csvMap.map(CSVColumns.init(mapping:)) ?? CSVColumns() } catch { throw ExitError(error.description) }

            let loading = ContinuousClock.now
            var index = IndicatorIndex()
            var scanner = STIXObjectScanner()
            var unreadable = 0
            try Self.stream(indicators, progress: progress ? "indicators" : nil) { chunk in
                try scanner.feed(chunk) { object in
                    guard let json = try? JSONValue(parsing: object) else {
                        unreadable += 1
                        return
                    }
                    index.add(json)
                }
            }
            printError(
                "\(index.count) indicators (\(index.patternCount) evaluated as patterns\(index.patternCount == 0 ? "" : ", such as " + index.patternExamples.joined(separator: " ; "))) loaded from \(indicators) in \(Self.seconds(since: loading))"
                    + (index.refused.isEmpty ? "" : "; \(index.refused.count) refused, first: \(index.refused[0].id): \(index.refused[0].reason)")
                    + (unreadable == 0 ? "" : "; \(unreadable) objects that are not JSON")
                    + (index.multiObservationPatterns == 0
                        ? "" : "; \(index.multiObservationPatterns) patterns over several observations not applied to single events")
            )

            var detectors = Detectors(index: index, honouringValidity: !ignoreValidity, dga: dga, beacons: beacons)
            for log in logs {
                let started = ContinuousClock.now
                var pass = LogPass(name: log, csvColumns: columns)
                do {
                    try Self.stream(log, progress: progress ? log : nil) { chunk in try pass.feed(chunk, into: &detectors) }
                    let summary = try pass.finish(into: &detectors)
                    printError("\(summary.description) in \(Self.seconds(since: started))")
                } catch let error as LogInputError { throw ExitError("\(log): \(error.description)") }
            }
            printError(detectors.summary + (explained || detectors.findings.explained.isEmpty ? "" : " (--explained lists them)"))
            let (alerts, benign) = detectors.findings
            print(findings: alerts + (explained ? benign : []), json: json)
        }

        /// Sends each log to the node as it is read; the node scans it as it arrives and answers with its alerts.
        func runOnNode() async throws {
            // A large log is scanned as it is sent, and its beacons scored at the end: give the node time.
            let client = try NodeConnectionOptions.client(data: data, node: node, token: token, timeout: .seconds(3600))
            let progress = isatty(STDERR_FILENO) != 0
            for log in logs {
                let started = ContinuousClock.now
                let name = log == "-" ? "stdin.log" : URL(fileURLWithPath: log).lastPathComponent
                let upload = try LogUpload(path: log, progress: progress ? log : nil)
                let body = HTTPBody(upload.chunks, length: upload.size.map { .known(Int64($0)) } ?? .unknown, iterationBehavior: .single)
                let scanned = try await client.call { try await $0.scanLog(query: .init(name: name), body: .binary(body)).created.body.json }
                let answer = try latestAnswer.json(answering: scanned) ?? JSONValue(encoding: scanned)
                let summary = answer["log"].flatMap(LogSummary.init(json:))
                printError(
                    "\(summary?.description ?? log) in \(Self.seconds(since: started)), against the node's \(scanned.indicators) indicators; "
                        + "\(scanned.findings.count) findings recorded as run \(scanned.run)"
                        + (scanned.explained == 0 ? "" : ", \(scanned.explained) periodic services explained")
                )
                for finding in answer["findings"]?.arrayValue ?? [] {
                    if json {
                        print(String(decoding: finding.canonicalBytes, as: UTF8.self))
                    } else if let read = Finding(json: finding) {
                        print(findings: [read], json: false)
                    }
                }
            }
        }

        static func seconds(since start: ContinuousClock.Instant) -> String {
            let elapsed = ContinuousClock.now - start
            return String(format: "%.2f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        /// The file's bytes in 1 MiB chunks (standard input for "-"), with a percentage on standard error if asked.
        static func stream(_ path: String, progress label: String?, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
            let handle: FileHandle
            if path == "-" {
                handle = .standardInput
            } else {
                guard let opened = FileHandle(forReadingAtPath: path) else { throw ExitError("cannot read \(path)") }
                handle = opened
            }
            defer { if path != "-" { try? handle.close() } }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            var read = 0
            var shown = -1
            while true {
                let chunk: Data
                do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                    throw ExitError("cannot read \(path): \(error.localizedDescription)")
                }
                if chunk.isEmpty { break }
                try chunk.withUnsafeBytes { try body($0) }
                read += chunk.count
                if let label, let size, size > 0, read * 100 / size != shown {
                    shown = read * 100 / size
                    printError("\r\(label): \(shown)%", terminator: "")
                }
            }
            if label != nil, size != nil { printError("\r", terminator: "") }
        }
    }
}

extension Detect {
    struct BenchPatterns: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-patterns",
            abstract: "Measure STIX pattern evaluations per second on conformance cases (Benchmarks/detect_bench.py runs it).",
            discussion: """
                Each case of CASES (JSON lines: pattern, observations, as in ../shared/data/detection/stix-patterns) is
                compiled and matched against its observations, --rounds times; prints the cases agreeing with their
                expected outcome and the evaluations per second, as JSON.
                """
        )
        @Argument(help: "The cases, JSON lines.") var cases: String
        @Option(help: "Times every case is evaluated.") var rounds = 100

        func run() throws {
            let lines: [Substring]
            do { lines = try String(contentsOfFile: cases, encoding: .utf8).split(separator: "\n") } catch {
                throw ExitError("cannot read \(cases): \(error.localizedDescription)")
            }
            var loaded: [(pattern: String, observations: [PatternObservation]?)] = []
            for line in lines {
                guard let json = try? JSONValue(parsing: String(line)), let pattern = json["pattern"]?.stringValue,
                    let bundles = json["observations"]?.arrayValue
                else { throw ExitError("\(cases): each line is a case with a pattern and observations") }
                loaded.append((pattern, try? PatternObservation.observations(inBundles: bundles)))
            }
            let started = ContinuousClock.now
            var evaluations = 0
            for _ in 0..<rounds {
                for test in loaded {
                    if let pattern = try? STIXPatternExpression(test.pattern), let observations = test.observations {
                        _ = try? pattern.matches(observations)
                    }
                    evaluations += 1
                }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                String(
                    decoding: JSONValue.object([
                        "cases": .number(Double(loaded.count)), "evaluations": .number(Double(evaluations)),
                        "evaluationsPerSecond": .number((Double(evaluations) / seconds).rounded()),
                    ]).canonicalBytes,
                    as: UTF8.self
                )
            )
        }
    }
}

extension Detect {
    struct TrainDGA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-dga",
            abstract: "Train the domain-name model on benign names, one a line; prints its counts (scripts/train-dga ships them)."
        )
        @Argument(help: "Benign domain names, one a line (the shipped model: OpenDNS's public-domain top domains).") var names: String

        func run() throws {
            let text: String
            do { text = try String(contentsOfFile: names, encoding: .utf8) } catch {
                throw ExitError("cannot read \(names): \(error.localizedDescription)")
            }
            print(DomainNameModel.train(on: text.split(separator: "\n").map(String.init)).serialized)
        }
    }

    struct EvaluateDGA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate-dga",
            abstract: "Measure the shipped domain-name model on labelled names (../shared/data/detection/domains).",
            discussion: """
                Scores every name of --dga (family<TAB>name) and --benign (source<TAB>name) by the surprise of the label
                left of its public suffix (bits over the square root of its length), fixes the thresholds on the benign side (the scores at 1% and 0.1% false
                positives) and prints ROC-AUC, recall per family at each threshold, and false positives per benign source.
                """
        )
        @Option(help: "Generated names: family<TAB>name a line.") var dga: String
        @Option(help: "Benign names: source<TAB>name a line.") var benign: String

        func run() throws {
            func rows(_ path: String) throws -> [(group: String, score: Double)] {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw ExitError("cannot read \(path): \(error.localizedDescription)")
                }
                return text.split(separator: "\n").compactMap { line in
                    let parts = line.split(separator: "\t")
                    guard parts.count == 2 else { return nil }
                    return (String(parts[0]), DomainNameModel.shipped.score(of: String(parts[1])) ?? 0)
                }
            }
            let generated = try rows(dga)
            let benignRows = try rows(benign)
            let benignScores = benignRows.map(\.score).sorted()
            func threshold(_ falsePositiveRate: Double) -> Double {
                benignScores[min(benignScores.count - 1, Int((Double(benignScores.count) * (1 - falsePositiveRate)).rounded(.up)))]
            }
            let thresholds = [("1%", threshold(0.01)), ("0.1%", threshold(0.001))]
            print(
                String(
                    format: "ROC-AUC %.4f over %d generated and %d benign names (label left of the public suffix)",
                    Self.rocAUC(positives: generated.map(\.score), negatives: benignScores),
                    generated.count,
                    benignScores.count
                )
            )
            for (name, value) in thresholds {
                let recall = Double(generated.filter { $0.score > value }.count) / Double(generated.count)
                let fpr = Double(benignScores.filter { $0 > value }.count) / Double(benignScores.count)
                let precision = recall * 0.001 / (recall * 0.001 + fpr * 0.999)
                print(
                    String(
                        format: "at FPR %@ (score > %.3f): micro recall %.3f, FPR %.4f, precision at 1 DGA name in 1,000 queries %.3f",
                        name,
                        value,
                        recall,
                        fpr,
                        precision
                    )
                )
            }
            print("family\tnames\trecall@1%\trecall@0.1%")
            var macro = [0.0, 0.0]
            let families = Dictionary(grouping: generated, by: \.group).sorted { $0.key < $1.key }
            for (family, members) in families {
                let recalls = thresholds.map { threshold in Double(members.filter { $0.score > threshold.1 }.count) / Double(members.count) }
                macro[0] += recalls[0]
                macro[1] += recalls[1]
                print(String(format: "%@\t%d\t%.3f\t%.3f", family, members.count, recalls[0], recalls[1]))
            }
            print(
                String(
                    format: "macro average\t%d families\t%.3f\t%.3f",
                    families.count,
                    macro[0] / Double(families.count),
                    macro[1] / Double(families.count)
                )
            )
            print("benign source\tnames\tFPR@1%\tFPR@0.1%")
            for (source, members) in Dictionary(grouping: benignRows, by: \.group).sorted(by: { $0.key < $1.key }) {
                let rates = thresholds.map { threshold in Double(members.filter { $0.score > threshold.1 }.count) / Double(members.count) }
                print(String(format: "%@\t%d\t%.4f\t%.4f", source, members.count, rates[0], rates[1]))
            }
        }

        /// The probability that a random generated name scores above a random benign one (ties count half).
        static func rocAUC(positives: [Double], negatives: [Double]) -> Double {
            let all = (positives.map { ($0, true) } + negatives.map { ($0, false) }).sorted { $0.0 < $1.0 }
            var rankSum = 0.0
            var index = 0
            while index < all.count {
                var end = index
                while end + 1 < all.count, all[end + 1].0 == all[index].0 { end += 1 }
                let rank = Double(index + end) / 2 + 1
                for position in index...end where all[position].1 { rankSum += rank }
                index = end + 1
            }
            let p = Double(positives.count)
            return (rankSum - p * (p + 1) / 2) / (p * Double(negatives.count))
        }
    }
}

extension Detect {
    struct EvaluateBeacons: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate-beacons",
            abstract: "Measure beacon scoring on a labelled conn.log (../shared/data/detection/beacons).",
            discussion: """
                Scores every source→destination pair of LOG with at least 4 connections and compares with --labels
                (src<TAB>dst<TAB>label<TAB>period<TAB>jitter; label beacon or benign-periodic; unlisted pairs are benign and
                aperiodic). Prints recall and precision at the detector's own threshold and in its top 50 and 100 alerts,
                PR-AUC, recall by period and jitter, and the benign-periodic pairs alerted or explained per kind
                (--detail: labels-detail.tsv, whose 6th column names the kind). With --json, one object.
                """
        )
        @Argument(help: "A Zeek conn.log (TSV or JSON lines, gzip accepted).") var log: String
        @Option(help: "The labels: src, dst, label, period, jitter, tab-separated.") var labels: String
        @Option(help: "labels-detail.tsv, for the kind of each benign-periodic pair.") var detail: String?
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            var detector = BeaconDetector()
            var reader = LogReader(defaultLog: .conn)
            var lines = LineSplitter()
            try Logs.stream(log, progress: nil) { chunk in
                try lines.feed(chunk) { line, number in
                    if let event = reader.read(line, number: number) { detector.observe(event) }
                }
            }
            try lines.finish { line, number in
                if let event = reader.read(line, number: number) { detector.observe(event) }
            }
            let truth = try Self.table(labels)
            let kinds = try detail.map(Self.table) ?? [:]
            let evaluation = BeaconEvaluation(findings: detector.findings(minimumScore: 0), labels: truth, kinds: kinds.mapValues { $0[3] })
            if json {
                print(String(decoding: evaluation.json.canonicalBytes, as: UTF8.self))
            } else {
                print(evaluation.report)
            }
        }

        /// The labels file's rows, keyed by "src dst".
        static func table(_ path: String) throws -> [String: [String]] {
            do { return try BeaconEvaluation.labels(fromTSV: String(contentsOfFile: path, encoding: .utf8)) } catch let error
                as BeaconEvaluation.LabelError
            {
                throw ExitError("\(path): \(error.description)")
            } catch { throw ExitError("cannot read \(path): \(error.localizedDescription)") }
        }
    }
}

/// Findings as `entente detect` prints them: each with its reasons, or with `json` one object a line.
func print(findings: [Finding], json: Bool) {
    for finding in findings {
        if json {
            print(String(decoding: finding.json.canonicalBytes, as: UTF8.self))
            continue
        }
        let target = finding.domain ?? finding.destination ?? finding.value ?? ""
        print(
            "\(finding.kind.rawValue.uppercased())  \(finding.source ?? "?") → \(target)  ×\(finding.count)  score \(String(format: "%.2f", finding.score))"
        )
        if let explanation = finding.explanation { print("    explained: \(explanation)") }
        for reason in finding.reasons { print("    \(reason)") }
    }
}
