import CanonicalJSON
import Foundation

/// Reads a network log line by line into `NetworkEvent`s, whatever its format: Zeek TSV (following its own
/// `#fields` header, in any order, with extra columns, header blocks repeated and `#close`), Zeek JSON lines,
/// or CSV flow records whose header row names the columns (through `CSVColumns`). The format is recognised from
/// the first line. A line that cannot be read is counted and its number kept; it never stops the reading.
public struct LogReader {
    public enum Format: String, Sendable {
        case zeekTSV = "zeek-tsv"
        case zeekJSON = "zeek-json"
        case csv
    }

    /// Which log it is when the log does not say (Zeek JSON has no `#path`): from the file name.
    public let defaultLog: NetworkEvent.Log?
    public let csvColumns: CSVColumns
    public private(set) var format: Format?
    public private(set) var events = 0
    public private(set) var badLines: [Int] = []
    public private(set) var badLineCount = 0
    /// The first reason a line was refused, for the report.
    public private(set) var firstProblem: String?

    // Zeek TSV header state.
    private var separator: UInt8 = 0x09
    private var setSeparator: UInt8 = 0x2C
    private var emptyField: [UInt8] = Array("(empty)".utf8)
    private var unsetField: [UInt8] = Array("-".utf8)
    private var path: NetworkEvent.Log?
    private var columns: [Field?] = []
    private var columnCount = 0
    private var ranges: [Range<Int>] = []

    /// Bad line numbers kept for the report; the count goes on.
    public static let keptBadLines = 100

    public init(defaultLog: NetworkEvent.Log? = nil, csvColumns: CSVColumns = CSVColumns()) {
        self.defaultLog = defaultLog
        self.csvColumns = csvColumns
    }

    /// The log a file name suggests: `conn.log`, `dns.2025-03-11.log.gz`, `http_20250311.json`.
    public static func log(forFileName name: String) -> NetworkEvent.Log? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        return NetworkEvent.Log.allCases.first {
            base.hasPrefix($0.rawValue + ".") || base.hasPrefix($0.rawValue + "_") || base.hasPrefix($0.rawValue + "-")
        }
    }

    /// The event a line holds, or nil for a header, a blank line or a bad line (counted).
    public mutating func read(_ line: UnsafeRawBufferPointer, number: Int) -> NetworkEvent? {
        guard !line.isEmpty else { return nil }
        if format == nil {
            format = line[0] == UInt8(ascii: "#") ? .zeekTSV : line[0] == UInt8(ascii: "{") ? .zeekJSON : .csv
            if format == .csv {
                startCSV(line, number: number)
                return nil
            }
        }
        switch format! {
        case .zeekTSV:
            if line[0] == UInt8(ascii: "#") {
                readHeader(line, number: number)
                return nil
            }
            return readTSV(line, number: number)
        case .zeekJSON:
            return readJSON(line, number: number)
        case .csv:
            return readCSV(line, number: number)
        }
    }

    mutating func refuse(_ number: Int, _ reason: String) {
        badLineCount += 1
        if badLines.count < Self.keptBadLines { badLines.append(number) }
        if firstProblem == nil { firstProblem = "line \(number): \(reason)" }
    }

    // MARK: Fields

    /// The fields detection reads, under every name logs give them.
    public enum Field: Sendable, CaseIterable {
        case time, source, sourcePort, destination, destinationPort, transport, service, duration, sentBytes, receivedBytes, state
        case sourceIsLocal, destinationIsLocal
        case query, responseCode, answers, host, uri, serverName, md5, sha1, sha256, receivers, senders

        /// Zeek's names (TSV and JSON).
        static let zeek: [String: Field] = [
            "ts": .time, "id.orig_h": .source, "id.orig_p": .sourcePort, "id.resp_h": .destination, "id.resp_p": .destinationPort,
            "proto": .transport, "service": .service, "duration": .duration, "orig_bytes": .sentBytes, "resp_bytes": .receivedBytes,
            "conn_state": .state, "local_orig": .sourceIsLocal, "local_resp": .destinationIsLocal, "query": .query, "rcode_name": .responseCode,
            "answers": .answers, "host": .host, "uri": .uri,
            "server_name": .serverName, "md5": .md5, "sha1": .sha1, "sha256": .sha256, "rx_hosts": .receivers, "tx_hosts": .senders,
        ]
    }

    static func set(_ field: Field, _ value: String, on event: inout NetworkEvent, setSeparator: UInt8 = UInt8(ascii: ",")) {
        func items() -> [String] { value.utf8.split(separator: setSeparator).map { String(decoding: $0, as: UTF8.self) } }
        switch field {
        case .time: event.time = Double(value) ?? ISO8601.seconds(value) ?? event.time
        case .source: event.source = value
        case .sourcePort: event.sourcePort = Int(value)
        case .destination: event.destination = value
        case .destinationPort: event.destinationPort = Int(value)
        case .transport: event.transport = lowercased(value)
        case .service: event.service = value
        case .duration: event.duration = Double(value)
        case .sentBytes: event.sentBytes = Int(value)
        case .receivedBytes: event.receivedBytes = Int(value)
        case .state: event.state = value
        case .sourceIsLocal: event.sourceIsLocal = boolean(value)
        case .destinationIsLocal: event.destinationIsLocal = boolean(value)
        case .query: event.query = value
        case .responseCode: event.responseCode = value
        case .answers: event.answers = items()
        case .host: event.host = value
        case .uri: event.uri = value
        case .serverName: event.serverName = value
        case .md5: event.md5 = lowercased(value)
        case .sha1: event.sha1 = lowercased(value)
        case .sha256: event.sha256 = lowercased(value)
        // Older files.log: the file went from its senders to its receivers.
        case .receivers: event.source = event.source ?? items().first
        case .senders: event.destination = event.destination ?? items().first
        }
    }

    /// Zeek writes T and F (JSON: true and false).
    static func boolean(_ text: String) -> Bool? {
        switch text {
        case "T", "true", "1": true
        case "F", "false", "0": false
        default: nil
        }
    }

    /// Lower case, copying only when there is an upper-case ASCII letter.
    static func lowercased(_ text: String) -> String {
        text.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) ? text.lowercased() : text
    }

    // MARK: Zeek TSV

    private mutating func readHeader(_ line: UnsafeRawBufferPointer, number: Int) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("#separator ") {
            let value = text.dropFirst("#separator ".count)
            if value.hasPrefix("\\x"), let byte = UInt8(value.dropFirst(2), radix: 16) {
                separator = byte
            } else if let byte = value.utf8.first {
                separator = byte
            }
            return
        }
        let parts = text.split(separator: Character(Unicode.Scalar(separator)), omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "#set_separator": setSeparator = parts.count > 1 ? parts[1].utf8.first ?? 0x2C : 0x2C
        case "#empty_field": emptyField = parts.count > 1 ? Array(parts[1].utf8) : []
        case "#unset_field": unsetField = parts.count > 1 ? Array(parts[1].utf8) : []
        case "#path": path = parts.count > 1 ? NetworkEvent.Log(rawValue: parts[1]) : nil
        case "#fields":
            columns = parts.dropFirst().map { Field.zeek[$0] }
            columnCount = parts.count - 1
        case "#types", "#open", "#close": return
        default: refuse(number, "an unknown header line")
        }
    }

    private mutating func readTSV(_ line: UnsafeRawBufferPointer, number: Int) -> NetworkEvent? {
        guard columnCount > 0 else {
            refuse(number, "a record before the #fields header")
            return nil
        }
        guard let log = path ?? defaultLog else {
            refuse(number, "no #path header says which log this is")
            return nil
        }
        ranges.removeAll(keepingCapacity: true)
        var start = 0
        for index in line.indices where line[index] == separator {
            ranges.append(start..<index)
            start = index + 1
        }
        ranges.append(start..<line.count)
        guard ranges.count == columnCount else {
            refuse(number, "\(ranges.count) fields where #fields names \(columnCount)")
            return nil
        }
        var event = NetworkEvent(log: log, time: .nan)
        for (column, field) in columns.enumerated() {
            guard let field else { continue }
            let bytes = UnsafeRawBufferPointer(rebasing: line[ranges[column]])
            if bytes.elementsEqual(unsetField) || bytes.elementsEqual(emptyField) { continue }
            Self.set(field, Self.unescaped(bytes), on: &event, setSeparator: setSeparator)
        }
        guard event.time.isFinite else {
            refuse(number, "no time (ts) that is a number")
            return nil
        }
        events += 1
        return event
    }

    /// Zeek escapes separators and unprintable bytes as `\xHH`.
    static func unescaped(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
                let byte = UInt8(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index + 2..<index + 4]), as: UTF8.self), radix: 16)
            {
                out.append(byte)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Zeek JSON

    private mutating func readJSON(_ line: UnsafeRawBufferPointer, number: Int) -> NetworkEvent? {
        guard case .object(let members)? = try? JSONValue(parsing: line) else {
            refuse(number, "not a JSON object")
            return nil
        }
        guard let log = members["_path"]?.stringValue.flatMap(NetworkEvent.Log.init) ?? defaultLog ?? Self.guessLog(members.keys) else {
            refuse(number, "no _path, and the file name does not say which log this is")
            return nil
        }
        var event = NetworkEvent(log: log, time: .nan)
        for (name, value) in members {
            guard let field = Field.zeek[name] else { continue }
            switch value {
            case .string(let text): Self.set(field, text, on: &event)
            case .number(let number):
                // A whole number as one (a port, a count); one too large for an Int is kept as the double's text, never trapped on.
                let whole = field != .time && number.rounded() == number && abs(number) < 9.0e18
                Self.set(field, whole ? String(Int(number)) : String(number), on: &event)
            case .array(let items): Self.set(field, items.compactMap(\.stringValue).joined(separator: ","), on: &event)
            case .bool(let flag): Self.set(field, flag ? "T" : "F", on: &event)
            default: continue
            }
        }
        guard event.time.isFinite else {
            refuse(number, "no time (ts)")
            return nil
        }
        events += 1
        return event
    }

    static func guessLog(_ names: Dictionary<String, JSONValue>.Keys) -> NetworkEvent.Log? {
        if names.contains("query") { return .dns }
        if names.contains("uri") { return .http }
        if names.contains("server_name") { return .ssl }
        if names.contains("fuid") { return .files }
        if names.contains("conn_state") { return .conn }
        return nil
    }

    // MARK: CSV

    private mutating func startCSV(_ line: UnsafeRawBufferPointer, number: Int) {
        let header = CSVColumns.split(String(decoding: line, as: UTF8.self))
        columns = header.map { csvColumns.field(named: $0) }
        columnCount = header.count
        if !columns.contains(where: { $0 == .time }) { refuse(number, "the CSV header names no time column (ts)") }
    }

    private mutating func readCSV(_ line: UnsafeRawBufferPointer, number: Int) -> NetworkEvent? {
        let values = CSVColumns.split(String(decoding: line, as: UTF8.self))
        guard values.count == columnCount else {
            refuse(number, "\(values.count) fields where the header names \(columnCount)")
            return nil
        }
        var event = NetworkEvent(log: defaultLog ?? .flow, time: .nan)
        for (field, value) in zip(columns, values) where !value.isEmpty {
            if let field { Self.set(field, value, on: &event, setSeparator: UInt8(ascii: ";")) }
        }
        guard event.time.isFinite else {
            refuse(number, "no time (seconds since 1970 or ISO 8601)")
            return nil
        }
        events += 1
        return event
    }
}

/// Which CSV column holds which field: by default the field's own name or a common flow-export name (Argus,
/// nfdump, SiLK); `--csv-map ts=StartTime,src=SrcAddr` names others.
public struct CSVColumns: Sendable {
    public static let fieldNames: [String: LogReader.Field] = [
        "ts": .time, "src": .source, "sport": .sourcePort, "dst": .destination, "dport": .destinationPort, "proto": .transport,
        "service": .service, "duration": .duration, "sent": .sentBytes, "received": .receivedBytes, "state": .state, "query": .query,
        "rcode": .responseCode, "host": .host, "uri": .uri, "server_name": .serverName, "md5": .md5, "sha1": .sha1, "sha256": .sha256,
    ]
    static let aliases: [String: String] = [
        "starttime": "ts", "stime": "ts", "timestamp": "ts", "time": "ts", "srcaddr": "src", "sa": "src", "sip": "src", "source": "src",
        "dstaddr": "dst", "da": "dst", "dip": "dst", "destination": "dst", "srcport": "sport", "sp": "sport", "dstport": "dport",
        "dp": "dport", "protocol": "proto", "pr": "proto", "dur": "duration", "td": "duration", "srcbytes": "sent", "ibyt": "sent",
        "dstbytes": "received", "obyt": "received", "bytes": "sent",
    ]

    var mapping: [String: LogReader.Field] = [:]

    public init() {}

    /// `NAME=COLUMN,…` with NAME one of `fieldNames`.
    public init(mapping text: String) throws(LogInputError) {
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let field = Self.fieldNames[parts[0]] else {
                throw LogInputError(
                    "--csv-map takes NAME=COLUMN pairs, NAME one of \(Self.fieldNames.keys.sorted().joined(separator: ", ")); “\(pair)” is not one"
                )
            }
            mapping[parts[1].lowercased()] = field
        }
    }

    func field(named column: String) -> LogReader.Field? {
        let name = column.trimmingCharacters(in: .whitespaces).lowercased()
        return mapping[name] ?? Self.fieldNames[name] ?? Self.aliases[name].flatMap { Self.fieldNames[$0] }
    }

    /// RFC 4180 fields: commas, and double quotes around fields that hold them (`""` for a quote).
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let after = iterator.next() {
                        if after == "\"" {
                            field.append("\"")
                        } else if after == "," {
                            quoted = false
                            fields.append(field)
                            field = ""
                        } else {
                            quoted = false
                            field.append(after)
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "," {
                fields.append(field)
                field = ""
            } else if character == "\"", field.isEmpty {
                quoted = true
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}

/// ISO 8601 times in logs: `2025-03-11T08:00:00Z`, with or without a fraction.
enum ISO8601 {
    static func seconds(_ text: String) -> Double? {
        let date =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        return date?.timeIntervalSince1970
    }
}
