import ArgumentParser
import CanonicalJSON
import Detection
import Foundation
import Intelligence

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find partners' indicators and STIX patterns in network logs (Zeek TSV or JSON, CSV flows; gzip accepted).",
        discussion: "entente detect LOG… --indicators FILE [--json]: see `entente detect logs --help`.",
        subcommands: [Logs.self, BenchPatterns.self],
        defaultSubcommand: Logs.self
    )
}

extension Detect {
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logs",
            abstract: "Match network logs against STIX indicators (the default: entente detect LOG… --indicators FILE).",
            discussion: """
                Reads each LOG as it streams (constant memory; `-` is standard input) and matches every line against the
                STIX indicators of --indicators FILE (a STIX bundle or JSON lines of STIX objects): addresses and networks
                (IPv4, IPv6, every enclosing network), domains and their subdomains, URLs, file hashes, and any other STIX
                pattern. Revoked indicators never match; an expired one does not match traffic after its valid_until
                (--ignore-validity matches them all). Lines that cannot be read are counted and their numbers reported;
                they never stop the run.

                Prints each finding with its reasons, or with --json one JSON object per line: kind, score, source,
                destination or domain, value, indicator, count, firstSeen, lastSeen, reasons. The summary goes to standard
                error, with progress on a terminal.
                """
        )

        @Argument(help: "Log files: conn, dns, http, ssl, files (Zeek TSV or JSON lines), or CSV flow records.") var logs: [String]
        @Option(help: "STIX indicators: a bundle, or JSON lines of STIX objects.") var indicators: String
        @Option(help: "CSV columns, NAME=COLUMN,… (NAME: ts, src, sport, dst, dport, proto, sent, received, query, host, uri, md5, sha1, sha256, …).")
        var csvMap: String?
        @Flag(help: "Also match revoked and expired indicators.") var ignoreValidity = false
        @Flag(help: "Print one JSON object per finding, one per line.") var json = false

        func validate() throws {
            guard !logs.isEmpty else { throw ValidationError("name at least one log") }
        }

        func run() throws {
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

            var detector = IndicatorDetector(index: index, honouringValidity: !ignoreValidity)
            for log in logs {
                let started = ContinuousClock.now
                var reader = LogReader(defaultLog: LogReader.log(forFileName: log), csvColumns: columns)
                var lines = LineSplitter()
                try Self.stream(log, progress: progress ? log : nil) { chunk in
                    try lines.feed(chunk) { line, number in
                        if let event = reader.read(line, number: number) { detector.observe(event) }
                    }
                }
                try lines.finish { line, number in
                    if let event = reader.read(line, number: number) { detector.observe(event) }
                }
                var summary =
                    "\(log): \(lines.lineNumber) lines, \(reader.events) events (\(reader.format?.rawValue ?? "empty")) in \(Self.seconds(since: started))"
                if reader.badLineCount > 0 {
                    let numbers = reader.badLines.map(String.init).joined(separator: ", ")
                    summary +=
                        "; \(reader.badLineCount) bad lines (\(numbers)\(reader.badLineCount > reader.badLines.count ? ", …" : "")): \(reader.firstProblem ?? "")"
                }
                printError(summary)
            }
            let findings = detector.results
            printError("\(findings.count) findings from \(detector.matches) matches")
            for finding in findings {
                if json {
                    print(String(decoding: finding.json.canonicalBytes, as: UTF8.self))
                } else {
                    let target = finding.domain ?? finding.destination ?? finding.value ?? ""
                    print("\(finding.kind.rawValue.uppercased())  \(finding.source ?? "?") → \(target)  ×\(finding.count)  score \(finding.score)")
                    for reason in finding.reasons { print("    \(reason)") }
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
