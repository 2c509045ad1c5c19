import Cases
import Crypto
import EntenteProtocol
import Foundation

/// A case's evidence as STIX 2.1: each shared indicator and file hash becomes an indicator
/// carrying the marking of the evidence that shared it (the case's TLP unless the author chose
/// a stricter one), and a report groups them under the case's title. Identifiers are derived
/// from the case events, so exporting again gives the same objects, not new ones.
///
/// Shared into a TAXII collection, a node publishes only the evidence it produced itself
/// (`producedBy`): what another state shared in a case is that state's to pass on, under
/// its marking, and relabelling it as this node's would launder its TLP.
public enum CaseIntelligence {
    static let namespace = UUID(uuidString: "6ba7b811-9dad-11d1-80b4-00c04fd430c8")!

    /// The evidence of `producedBy` (every participant's when nil) as STIX.
    public static func bundle(of state: CaseState, producedBy: ParticipantID? = nil) -> [JSONValue] {
        var objects: [JSONValue] = []
        for item in state.evidence where producedBy.map({ item.event.author == $0 }) ?? true {
            let marking = JSONValue.array([.string(TLPMarking.definitions[strictest(item.evidence.tlp, state.tlp)]!)])
            let created = stixTime(item.event.at)
            var patterns: [(name: String, pattern: String)] = item.evidence.indicators.map { indicator in
                (indicator.value, pattern(type: indicator.type, value: indicator.value))
            }
            patterns += item.evidence.files.map { file in (file.name, STIXComparisons.pattern([("file:hashes.'SHA-256'", file.sha256)])) }
            for (index, entry) in patterns.enumerated() {
                var indicator: [String: JSONValue] = [
                    "type": "indicator", "spec_version": "2.1", "id": .string("indicator--" + uuid5("\(item.event.id)/\(index)")),
                    "created": .string(created), "modified": .string(created), "name": .string(entry.name),
                    "description": .string(item.evidence.description), "pattern": .string(entry.pattern), "pattern_type": "stix",
                    "valid_from": .string(created), "object_marking_refs": marking,
                ]
                if state.exercise { indicator["labels"] = ["exercise"] }
                objects.append(.object(indicator))
            }
        }
        guard !objects.isEmpty, let report = state.report, producedBy.map({ $0 == state.owner }) ?? true else { return objects }
        let published = stixTime(state.timeline.last?.event.at ?? Timestamp.format(Date()))
        objects.append([
            "type": "report", "spec_version": "2.1", "id": .string("report--" + uuid5(state.id)),
            "created": .string(stixTime(state.timeline.first?.event.at ?? "")),
            "modified": .string(published), "name": .string(report.title), "description": .string(report.summary), "published": .string(published),
            "report_types": ["threat-report"], "object_refs": .array(objects.compactMap { $0["id"] }),
            "object_marking_refs": [.string(TLPMarking.definitions[state.tlp]!)],
        ])
        return objects
    }

    /// A STIX comparison for an indicator shared as (type, value): observable types with a
    /// `value` property map to it; hashes to `file:hashes`.
    static func pattern(type: String, value: String) -> String {
        let path =
            switch type.lowercased() {
            case "sha256", "sha-256": "file:hashes.'SHA-256'"
            case "md5": "file:hashes.MD5"
            case "sha1", "sha-1": "file:hashes.'SHA-1'"
            case "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr": "\(type.lowercased()):value"
            case "ip", "ipv4": "ipv4-addr:value"
            case "domain": "domain-name:value"
            default: "x-entente-observable:value"
            }
        return STIXComparisons.pattern([(path, value)])
    }

    static func strictest(_ a: TLP, _ b: TLP) -> TLP { TLPPolicy.rank(a) >= TLPPolicy.rank(b) ? a : b }

    /// STIX timestamps from Entente's (already UTC with milliseconds).
    static func stixTime(_ timestamp: String) -> String { Timestamp.milliseconds(timestamp).map { Timestamp.format(milliseconds: $0) } ?? timestamp }

    /// RFC 4122 version 5 (SHA-1, name-based) UUID, lowercase.
    public static func uuid5(_ name: String) -> String {
        var bytes = withUnsafeBytes(of: namespace.uuid) { Array($0) } + Array(name.utf8)
        bytes = Array(Insecure.SHA1.hash(data: bytes).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                bytes[12], bytes[13], bytes[14], bytes[15]
            )
        ).uuidString.lowercased()
    }
}
