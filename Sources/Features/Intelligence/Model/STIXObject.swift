import EntenteProtocol
import Foundation

/// Why a STIX object was refused; the message names the property at fault.
public struct STIXError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A validated STIX 2.1 object, kept exactly as it was received: Entente stores and
/// serves the producer's JSON, never a re-encoding of it.
public struct STIXObject: Sendable, Equatable {
    public let id: String
    public let type: String
    public let specVersion: String
    public let created: String?
    public let modified: String?
    /// Its TLP 2.0 marking, from `object_marking_refs`; nil when unmarked.
    public let tlp: TLP?
    /// Named recipients of a TLP:RED object (`x_entente_recipients`: account names or participant ids).
    public let recipients: [String]
    public let document: JSONValue
    /// The object's JSON as stored and served: the bytes it arrived as, else its canonical form.
    public let text: String

    /// The TAXII version of the object: `modified`, else `created`, else nil (the date it was added stands in).
    public var version: String? { modified ?? created }
}

/// STIX 2.1 validation: the common properties every object needs, the required
/// properties of each SDO and SRO type, and the identifier and timestamp formats.
public enum STIXValidation {
    public static let maximumObjectBytes = 1 << 20

    static let domainObjects: [String: [String]] = [
        "attack-pattern": ["name"], "campaign": ["name"], "course-of-action": ["name"], "grouping": ["context", "object_refs"],
        "identity": ["name"], "incident": ["name"], "indicator": ["pattern", "pattern_type", "valid_from"], "infrastructure": ["name"],
        "intrusion-set": ["name"], "location": [], "malware": ["is_family"], "malware-analysis": ["product"], "note": ["content", "object_refs"],
        "observed-data": ["first_observed", "last_observed", "number_observed"], "opinion": ["opinion", "object_refs"],
        "report": ["name", "published", "object_refs"], "threat-actor": ["name"], "tool": ["name"], "vulnerability": ["name"],
        "relationship": ["relationship_type", "source_ref", "target_ref"], "sighting": ["sighting_of_ref"],
    ]
    static let cyberObservables: Set<String> = [
        "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
        "mac-addr", "mutex", "network-traffic", "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate",
    ]
    static let metaObjects: Set<String> = ["marking-definition", "language-content", "extension-definition"]

    /// Validates `json`; `source` is the text it was parsed from, kept as the object's stored form.
    public static func validate(_ json: JSONValue, source: String? = nil) throws(STIXError) -> STIXObject {
        guard case .object(let members) = json else { throw STIXError("a STIX object must be a JSON object") }
        guard let type = members["type"]?.stringValue else { throw STIXError("type is required") }
        guard isTypeName(type) else { throw STIXError("type \(type) must be 3–250 lowercase letters, digits and hyphens") }
        guard let id = members["id"]?.stringValue else { throw STIXError("id is required") }
        try identifier(id, ofType: type, "id")
        guard let specVersion = members["spec_version"]?.stringValue else { throw STIXError("\(id): spec_version is required") }
        guard specVersion == "2.1" else { throw STIXError("\(id): spec_version must be 2.1, not \(specVersion)") }
        let text = source ?? json.canonicalString
        guard text.utf8.count <= maximumObjectBytes else { throw STIXError("\(id): larger than 1 MiB") }
        for name in members.keys where !isPropertyName(name) {
            throw STIXError("\(id): property name \(name) must be 3–250 lowercase letters, digits and underscores")
        }

        let isObservable = cyberObservables.contains(type)
        let created = members["created"]?.stringValue
        let modified = members["modified"]?.stringValue
        if !isObservable {
            guard let created else { throw STIXError("\(id): created is required") }
            try timestamp(created, "\(id): created")
            if type != "marking-definition" {
                guard let modified else { throw STIXError("\(id): modified is required") }
                try timestamp(modified, "\(id): modified")
                guard (milliseconds(modified) ?? 0) >= (milliseconds(created) ?? 0) else {
                    throw STIXError("\(id): modified must not be earlier than created")
                }
            }
        }
        if let required = domainObjects[type] {
            for property in required where members[property] == nil { throw STIXError("\(id): \(type) requires \(property)") }
        } else if !isObservable && !metaObjects.contains(type) && !type.hasPrefix("x-") {
            throw STIXError("\(id): unknown object type \(type) (custom types start with x-)")
        }
        try typeRules(type, id, members)
        if let creator = members["created_by_ref"] {
            guard let ref = creator.stringValue else { throw STIXError("\(id): created_by_ref must be an identifier") }
            try identifier(ref, ofType: "identity", "\(id): created_by_ref")
        }
        var markingRefs: [String] = []
        if let refs = members["object_marking_refs"] {
            guard let list = refs.arrayValue, !list.isEmpty else { throw STIXError("\(id): object_marking_refs must be a non-empty list") }
            for ref in list {
                guard let text = ref.stringValue else { throw STIXError("\(id): object_marking_refs holds identifiers") }
                try identifier(text, ofType: "marking-definition", "\(id): object_marking_refs")
                markingRefs.append(text)
            }
        }
        var recipients: [String] = []
        if let named = members["x_entente_recipients"] {
            guard let list = named.arrayValue, list.count <= 256 else {
                throw STIXError("\(id): x_entente_recipients is a list of at most 256 names")
            }
            for entry in list {
                guard let name = entry.stringValue, TLPPolicy.isRecipientName(name) else {
                    throw STIXError("\(id): x_entente_recipients holds names of 1 to 64 letters, digits, dots, hyphens or underscores")
                }
                recipients.append(name)
            }
        }
        let tlp = TLPMarking.strictest(markingRefs)
        if tlp == .red, recipients.isEmpty { throw STIXError("\(id): a TLP:RED object names its recipients in x_entente_recipients") }
        return STIXObject(
            id: id,
            type: type,
            specVersion: specVersion,
            created: created,
            modified: isObservable ? nil : modified ?? created,
            tlp: tlp,
            recipients: recipients,
            document: json,
            text: text
        )
    }

    private static func typeRules(_ type: String, _ id: String, _ members: [String: JSONValue]) throws(STIXError) {
        switch type {
        case "indicator":
            guard let pattern = members["pattern"]?.stringValue, !pattern.isEmpty else {
                throw STIXError("\(id): pattern must be a non-empty string")
            }
            if members["pattern_type"]?.stringValue == "stix" {
                do { _ = try STIXPatternExpression(pattern) } catch { throw STIXError("\(id): pattern: \(error.description)") }
            }
            try timestamp(members["valid_from"]?.stringValue ?? "", "\(id): valid_from")
        case "malware":
            guard let isFamily = members["is_family"]?.boolValue else { throw STIXError("\(id): is_family must be a boolean") }
            if isFamily, members["name"] == nil { throw STIXError("\(id): a malware family requires name") }
        case "relationship":
            for property in ["source_ref", "target_ref"] {
                guard let ref = members[property]?.stringValue, ref.contains("--") else {
                    throw STIXError("\(id): \(property) must be an identifier")
                }
            }
        case "report":
            try timestamp(members["published"]?.stringValue ?? "", "\(id): published")
            guard let refs = members["object_refs"]?.arrayValue, !refs.isEmpty else { throw STIXError("\(id): object_refs must be a non-empty list") }
        case "sighting":
            guard let ref = members["sighting_of_ref"]?.stringValue, ref.contains("--") else {
                throw STIXError("\(id): sighting_of_ref must be an identifier")
            }
        default: break
        }
    }

    static func isTypeName(_ text: String) -> Bool {
        (3...250).contains(text.utf8.count) && text.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
            && !text.hasPrefix("-") && !text.hasSuffix("-") && !text.contains("--")
    }

    static func isPropertyName(_ text: String) -> Bool {
        (3...250).contains(text.utf8.count) && text.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
            || text == "id"
    }

    /// `<type>--<UUID>` with a lowercase RFC 4122 UUID.
    public static func identifier(_ text: String, ofType type: String, _ name: String) throws(STIXError) {
        guard text.hasPrefix(type + "--") else { throw STIXError("\(name) must be an identifier of type \(type)") }
        let uuid = text.dropFirst(type.count + 2)
        guard uuid.count == 36, UUID(uuidString: String(uuid)) != nil, uuid == uuid.lowercased() else {
            throw STIXError("\(name): \(text) does not end in a lowercase UUID")
        }
    }

    /// RFC 3339 in UTC with a `Z`, as STIX requires: `2026-11-22T10:00:00Z` or with a fraction.
    static func timestamp(_ text: String, _ name: String) throws(STIXError) {
        guard milliseconds(text) != nil else { throw STIXError("\(name) must be an RFC 3339 UTC timestamp, e.g. 2026-11-22T10:00:00.000Z") }
    }

    /// Milliseconds since 1970 of a STIX timestamp (any fraction precision), or nil.
    public static func milliseconds(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        // 90 is Z; 45 '-', 84 'T', 58 ':'.
        guard utf8.count >= 20, utf8.last == 90, utf8[4] == 45, utf8[7] == 45, utf8[10] == 84, utf8[13] == 58, utf8[16] == 58 else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in utf8[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0
        if utf8.count > 20 {
            // Any precision is allowed, but only milliseconds are kept: read at most three digits, so that a
            // fraction of eighty digits (found by fuzzing) cannot overflow, and check that the rest are digits.
            let digits = utf8[20..<(utf8.count - 1)]
            guard utf8[19] == 46, !digits.isEmpty, digits.count <= 32, digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
            for position in 0..<3 { fraction = fraction * 10 + (position < digits.count ? Int(digits[digits.startIndex + position] - 48) : 0) }
        } else if utf8[19] != 90 {
            return nil
        }
        var components = DateComponents(
            timeZone: TimeZone(identifier: "UTC"),
            year: year,
            month: month,
            day: day,
            hour: hour,
            minute: minute,
            second: second
        )
        components.calendar = Calendar(identifier: .gregorian)
        guard let date = components.date, components.isValidDate else { return nil }
        return Int64(date.timeIntervalSince1970) * 1000 + Int64(fraction)
    }
}

/// TAXII and STIX timestamps at microsecond precision, the unit `date_added` is kept in.
public enum STIXTime {
    /// Microseconds since 1970 of an RFC 3339 UTC timestamp with up to six fraction digits.
    public static func microseconds(_ text: String) -> Int64? {
        guard let dot = text.firstIndex(of: ".") else { return STIXValidation.milliseconds(text).map { $0 * 1000 } }
        let fraction = text[text.index(after: dot)...].dropLast()
        guard text.hasSuffix("Z"), (1...9).contains(fraction.count), fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber),
            let seconds = STIXValidation.milliseconds(String(text[..<dot]) + "Z")
        else { return nil }
        let digits = String((fraction + "000000").prefix(6))
        return seconds * 1000 + Int64(digits)!
    }

    public static func date(_ text: String) -> Date? {
        microseconds(text).map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
    }

    /// `2026-11-22T10:00:00.123456Z`.
    public static func format(microseconds: Int64) -> String {
        let milliseconds = Timestamp.format(milliseconds: microseconds / 1000)
        return String(milliseconds.dropLast()) + String(format: "%03d", Int(microseconds % 1000)) + "Z"
    }
}
