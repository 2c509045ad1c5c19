import Cases
import Detection
import EntenteProtocol
import Foundation
import Intelligence
import Multilateral

/// One libFuzzer entry point; `ENTENTE_FUZZ_TARGET` chooses what the input is fed to. Each target
/// must refuse bad input with an error, never crash, and keeps the invariants stated next to it.
enum Target: String, CaseIterable {
    case canonicalJSON = "canonical-json"
    case envelope, descriptor
    case caseEvent = "case-event"
    case recordEntry = "record-entry"
    case statement, stix, directory
    case stixPattern = "stix-pattern"
    case networkLog = "network-log"

    static let selected: Target = {
        let name = ProcessInfo.processInfo.environment["ENTENTE_FUZZ_TARGET"] ?? ""
        guard let target = Target(rawValue: name) else {
            fatalError("ENTENTE_FUZZ_TARGET must be one of \(Target.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .canonicalJSON:
            // Canonicalization is idempotent and what it writes parses back to the same value.
            guard let value = try? JSONValue(parsing: bytes) else { return }
            let canonical = value.canonicalBytes
            guard let reparsed = try? JSONValue(parsing: canonical) else {
                fatalError("canonical form does not parse: \(String(decoding: canonical, as: UTF8.self))")
            }
            guard reparsed.canonicalBytes == canonical else { fatalError("canonicalization is not idempotent") }
        case .envelope:
            guard let envelope = try? Envelope(wireBytes: bytes) else { return }
            guard let again = try? Envelope(wireBytes: envelope.json.canonicalBytes), again.id == envelope.id, again.digest == envelope.digest else {
                fatalError("an accepted envelope does not read back from its canonical form")
            }
        case .descriptor:
            guard let json = try? JSONValue(parsing: bytes) else { return }
            _ = try? NodeDescriptor(verifying: json)
        case .caseEvent:
            guard let json = try? JSONValue(parsing: bytes) else { return }
            let events = (json.arrayValue ?? [json]).prefix(64).compactMap { try? CaseEvent(document: $0) }
            guard let first = events.first else { return }
            let state = CaseState(id: first.caseID, events: events)
            _ = state.dueItems
            _ = state.possibleActions(for: first.author)
        case .recordEntry:
            guard let json = try? JSONValue(parsing: bytes) else { return }
            let entries = (json.arrayValue ?? [json]).prefix(64).compactMap { try? RecordEntry(document: $0) }
            for entry in entries where entry.kind == .result { _ = try? VoteResult(verifying: entry) }
            if let forum = entries.first?.space.openingEntryID { _ = ForumState(id: forum, entries: entries) }
        case .statement:
            _ = try? JointStatement(verifying: bytes)
        case .stix:
            guard let json = try? JSONValue(parsing: bytes) else { return }
            _ = try? STIXValidation.validate(json)
        case .directory:
            guard let json = try? JSONValue(parsing: bytes) else { return }
            _ = try? TrustAnchors(directory: json)
        case .stixPattern:
            // A partner's pattern: it compiles or is refused, and a compiled one evaluates or says why not.
            guard let pattern = try? STIXPatternExpression(String(decoding: bytes, as: UTF8.self)) else { return }
            _ = try? pattern.match(Self.observations)
        case .networkLog:
            // Any bytes as a log, cut in chunks: every line is an event, a header, blank or counted as bad.
            var reader = LogReader(defaultLog: .conn)
            var lines = LineSplitter()
            var events = 0
            for start in stride(from: 0, to: bytes.count, by: 97) {
                try? bytes[start..<min(start + 97, bytes.count)].withUnsafeBytes { chunk in
                    try lines.feed(chunk) { line, number in if reader.read(line, number: number) != nil { events += 1 } }
                }
            }
            try? lines.finish { line, number in if reader.read(line, number: number) != nil { events += 1 } }
            guard events == reader.events, events + reader.badLineCount <= lines.lineNumber else {
                fatalError("\(events) events and \(reader.badLineCount) bad lines from \(lines.lineNumber) lines")
            }
        }
    }
}

extension Target {
    /// What fuzzed patterns are matched against: two observations of a connection to a named host.
    static let observations: [PatternObservation] = {
        let objects: [JSONValue] = [
            ["type": "observed-data", "id": "observed-data--1"],
            ["type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.66"],
            ["type": "domain-name", "id": "domain-name--1", "value": "evil.example", "resolves_to_refs": ["ipv4-addr--1"]],
            [
                "type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1", "dst_port": 443, "protocols": ["tcp", "tls"],
                "payload_bin": "aGVsbG8=",
            ],
            ["type": "file", "id": "file--1", "hashes": ["SHA-256": "ab"], "name_hex": "6162"],
        ]
        return [
            PatternObservation(id: "observed-data--1", first: 1_741_680_000_000_000, last: 1_741_680_060_000_000, count: 2, objects: objects),
            PatternObservation(id: "observed-data--2", first: 1_741_680_030_000_000, last: 1_741_680_030_000_000, count: 1, objects: objects),
        ]
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Target.selected.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main`, so libFuzzer's own `main` is not
/// linked: start its driver from here instead.
@_cdecl("EntenteFuzz_main")
func ententeFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzz)
}
