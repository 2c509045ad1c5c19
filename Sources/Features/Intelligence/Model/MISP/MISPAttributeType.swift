/// A MISP attribute type and the STIX it stands for, as the misp-stix package maps it: the
/// comparisons of its indicator's pattern, in misp-stix's order. The same comparisons, read
/// as properties, build the observables of an attribute that is not for detection
/// (`to_ids: false`), and read back, tell an indicator's or observed-data's MISP type.
struct MISPAttributeType: Sendable {
    /// What a comparison compares with: a part of the attribute's value (`a|b` composites
    /// have two), the address type of a part, or an AS number without its prefix.
    enum Operand: Sendable, Equatable {
        case part(Int)
        case addressType(ofPart: Int)
        case autonomousSystem(ofPart: Int)
    }

    let name: String
    /// MISP's category when an attribute has none to keep.
    let category: String
    let comparisons: [(path: String, operand: Operand)]
    /// Whether the value may be checked as observables (`to_ids: false`); types whose STIX
    /// object is not a simple cyber-observable (a user agent is a header of network traffic) are indicators only.
    var observable: Bool = true

    var parts: Int {
        (comparisons.map { operand in
            switch operand.operand {
            case .part(let n), .addressType(let n), .autonomousSystem(let n): n
            }
        }.max() ?? 0) + 1
    }

    static let network = "Network activity", payload = "Payload delivery", artifacts = "Artifacts dropped"

    static func value(_ path: String, _ category: String, _ name: String) -> Self {
        Self(name: name, category: category, comparisons: [(path, .part(0))])
    }

    /// The types Entente converts, each as misp-stix writes its pattern.
    static let all: [MISPAttributeType] = [
        Self(
            name: "ip-dst",
            category: network,
            comparisons: [("network-traffic:dst_ref.type", .addressType(ofPart: 0)), ("network-traffic:dst_ref.value", .part(0))]
        ),
        Self(
            name: "ip-src",
            category: network,
            comparisons: [("network-traffic:src_ref.type", .addressType(ofPart: 0)), ("network-traffic:src_ref.value", .part(0))]
        ),
        Self(
            name: "ip-dst|port",
            category: network,
            comparisons: [
                ("network-traffic:dst_ref.type", .addressType(ofPart: 0)), ("network-traffic:dst_ref.value", .part(0)),
                ("network-traffic:dst_port", .part(1)),
            ]
        ),
        Self(
            name: "ip-src|port",
            category: network,
            comparisons: [
                ("network-traffic:src_ref.type", .addressType(ofPart: 0)), ("network-traffic:src_ref.value", .part(0)),
                ("network-traffic:src_port", .part(1)),
            ]
        ),
        value("domain-name:value", network, "domain"),
        value("domain-name:value", network, "hostname"),
        Self(
            name: "domain|ip",
            category: network,
            comparisons: [("domain-name:value", .part(0)), ("domain-name:resolves_to_refs[*].value", .part(1))]
        ),
        value("url:value", network, "url"),
        value("url:value", network, "uri"),
        value("url:value", "External analysis", "link"),
        value("file:hashes.MD5", payload, "md5"),
        value("file:hashes.'SHA-1'", payload, "sha1"),
        value("file:hashes.'SHA-256'", payload, "sha256"),
        value("file:hashes.'SHA-512'", payload, "sha512"),
        value("file:name", payload, "filename"),
        Self(name: "filename|md5", category: payload, comparisons: [("file:name", .part(0)), ("file:hashes.MD5", .part(1))]),
        Self(name: "filename|sha1", category: payload, comparisons: [("file:name", .part(0)), ("file:hashes.'SHA-1'", .part(1))]),
        Self(name: "filename|sha256", category: payload, comparisons: [("file:name", .part(0)), ("file:hashes.'SHA-256'", .part(1))]),
        value("email-message:from_ref.value", payload, "email-src"),
        value("email-message:to_refs[*].value", payload, "email-dst"),
        value("email-addr:value", payload, "email"),
        value("email-message:subject", payload, "email-subject"),
        value("mutex:name", artifacts, "mutex"),
        value("windows-registry-key:key", "Persistence mechanism", "regkey"),
        value("mac-addr:value", network, "mac-address"),
        Self(name: "AS", category: network, comparisons: [("autonomous-system:number", .autonomousSystem(ofPart: 0))]),
        value("x509-certificate:hashes.'SHA-1'", network, "x509-fingerprint-sha1"),
        Self(
            name: "user-agent",
            category: network,
            comparisons: [("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", .part(0))],
            observable: false
        ),
    ]

    static let byName = Dictionary(all.map { ($0.name, $0) }) { first, _ in first }

    /// Rules carried as patterns in their own language (`pattern_type`), their text the attribute's value.
    static let ruleLanguages: Set<String> = ["yara", "snort", "sigma", "suricata"]

    /// The attribute value's parts, or nil if it does not have this type's shape.
    func split(_ value: String) -> [String]? {
        let parts = parts == 1 ? [value] : value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == self.parts, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        for (_, operand) in comparisons {
            if case .autonomousSystem(let n) = operand, Self.asNumber(parts[n]) == nil { return nil }
        }
        return parts
    }

    /// The comparisons with this value (its parts), in order.
    func comparisons(for parts: [String]) -> [(path: String, value: String)] {
        comparisons.map { path, operand in
            switch operand {
            case .part(let n): (path, parts[n])
            case .addressType(let n): (path, parts[n].contains(":") ? "ipv6-addr" : "ipv4-addr")
            case .autonomousSystem(let n): (path, Self.asNumber(parts[n])!)
            }
        }
    }

    /// The attribute value these comparisons carry, if they are exactly this type's.
    /// Observables name the type of every object they refer to (`…_ref.type`); the patterns of
    /// most types leave it out, so those comparisons count only where the type lists them.
    func value(from found: [(path: String, value: String)]) -> String? {
        let paths = Set(comparisons.map(\.path))
        let found = found.filter { paths.contains($0.path) || !$0.path.hasSuffix("_ref.type") }
        guard found.count == comparisons.count else { return nil }
        var parts = Array(repeating: "", count: self.parts)
        for (path, operand) in comparisons {
            guard let value = found.first(where: { $0.path == path })?.value else { return nil }
            switch operand {
            case .part(let n): parts[n] = value
            case .addressType: guard value == "ipv4-addr" || value == "ipv6-addr" else { return nil }
            case .autonomousSystem(let n): parts[n] = "AS" + value
            }
        }
        return parts.joined(separator: "|")
    }

    static func asNumber(_ value: String) -> String? {
        let digits = value.uppercased().hasPrefix("AS") ? String(value.dropFirst(2)) : value
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return digits
    }
}
