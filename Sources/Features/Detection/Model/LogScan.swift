import CanonicalJSON
import Foundation

/// Every detector over one set of logs: partners' indicators and patterns, beacons, generated domain names. The
/// logs' events go through `observe`; the findings are asked for once all are read.
public struct Detectors: Sendable {
    public private(set) var indicators: IndicatorDetector
    public private(set) var names: GeneratedNameDetector?
    public private(set) var schedules: BeaconDetector?

    public init(index: IndicatorIndex, honouringValidity: Bool = true, dga: Bool = true, beacons: Bool = true, connectionLimit: Int = 50_000_000) {
        indicators = IndicatorDetector(index: index, honouringValidity: honouringValidity)
        names = dga ? GeneratedNameDetector() : nil
        schedules = beacons ? BeaconDetector(connectionLimit: connectionLimit) : nil
    }

    public mutating func observe(_ event: NetworkEvent) {
        indicators.observe(event)
        names?.observe(event)
        schedules?.observe(event)
    }

    /// What was found: alerts, strongest first within each kind (indicators, beacons, generated names), and the
    /// periodic pairs explained as benign services.
    public var findings: (alerts: [Finding], explained: [Finding]) {
        let periodic = schedules?.results ?? []
        let generated = (names?.results ?? []).sorted { $0.score > $1.score }
        return (indicators.results + periodic.filter { $0.explanation == nil } + generated, periodic.filter { $0.explanation != nil })
    }

    /// The findings counted, in a sentence.
    public var summary: String {
        let (alerts, explained) = findings
        let beacons = alerts.filter { $0.kind == .beacon }.count
        let generated = alerts.filter { $0.kind == .dga }.count
        return "\(alerts.count) findings: \(indicators.matches) indicator matches, \(beacons) beacons, "
            + "\(generated) hosts querying generated-looking names"
            + (explained.isEmpty ? "" : "; \(explained.count) periodic pairs explained as benign services")
            + ((schedules?.overflow ?? 0) == 0
                ? "" : "; \(schedules!.overflow) connections past the first \(schedules!.connectionLimit) not analysed for beacons")
    }
}

/// One log read through the detectors as its bytes arrive, in chunks of any size (gzip recognised).
public struct LogPass: ~Copyable {
    public let name: String
    private var reader: LogReader
    private var lines = LineSplitter()

    public init(name: String, csvColumns: CSVColumns = CSVColumns()) {
        self.name = name
        reader = LogReader(defaultLog: LogReader.log(forFileName: name), csvColumns: csvColumns)
    }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into detectors: inout Detectors) throws(LogInputError) {
        do {
            try lines.feed(chunk) { line, number in
                if let event = reader.read(line, number: number) { detectors.observe(event) }
            }
        } catch let error as LogInputError { throw error } catch { throw LogInputError("\(error)") }
    }

    /// Reads the last line and says what the log held.
    public consuming func finish(into detectors: inout Detectors) throws(LogInputError) -> LogSummary {
        do {
            try lines.finish { line, number in
                if let event = reader.read(line, number: number) { detectors.observe(event) }
            }
        } catch let error as LogInputError { throw error } catch { throw LogInputError("\(error)") }
        return LogSummary(
            name: name,
            lines: lines.lineNumber,
            events: reader.events,
            format: reader.format?.rawValue ?? "empty",
            badLineCount: reader.badLineCount,
            badLines: reader.badLines,
            firstProblem: reader.firstProblem
        )
    }
}

/// What one log held: its lines, the events read from them, and the lines that could not be read.
public struct LogSummary: Sendable, Equatable {
    public let name: String
    public let lines: Int
    public let events: Int
    public let format: String
    public let badLineCount: Int
    /// The first `LogReader.keptBadLines` of them.
    public let badLines: [Int]
    public let firstProblem: String?

    public var description: String {
        var text = "\(name): \(lines) lines, \(events) events (\(format))"
        if badLineCount > 0 {
            let numbers = badLines.map(String.init).joined(separator: ", ")
            text += "; \(badLineCount) bad lines (\(numbers)\(badLineCount > badLines.count ? ", …" : "")): \(firstProblem ?? "")"
        }
        return text
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(name), "lines": .number(Double(lines)), "events": .number(Double(events)), "format": .string(format),
            "badLines": .number(Double(badLineCount)), "badLineNumbers": .array(badLines.map { .number(Double($0)) }),
        ]
        members["firstProblem"] = firstProblem.map(JSONValue.string)
        return .object(members)
    }
}

extension LogSummary {
    /// A summary as `json` writes it (a node's answer); nil when a member is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let lines = json["lines"]?.integerValue, let events = json["events"]?.integerValue,
            let format = json["format"]?.stringValue, let badLineCount = json["badLines"]?.integerValue,
            let badLines = json["badLineNumbers"]?.arrayValue?.compactMap(\.integerValue)
        else { return nil }
        self.init(
            name: name,
            lines: Int(lines),
            events: Int(events),
            format: format,
            badLineCount: Int(badLineCount),
            badLines: badLines.map { Int($0) },
            firstProblem: json["firstProblem"]?.stringValue
        )
    }
}
