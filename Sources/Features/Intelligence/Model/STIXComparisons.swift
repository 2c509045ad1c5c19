import EntenteProtocol

/// The one shape of STIX pattern Entente writes — `[path = 'value' AND …]`, one object type,
/// equality only, as a case's indicators and MISP attributes become — and the cyber-observables
/// that say the same thing.
enum STIXComparisons {
    typealias Comparison = (path: String, value: String)

    static func pattern(_ comparisons: [Comparison]) -> String {
        "[" + comparisons.map { "\($0.path) = '\(escape($0.value))'" }.joined(separator: " AND ") + "]"
    }

    static func escape(_ text: String) -> String { text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") }

    /// The comparisons of a pattern of that shape; nil for any other pattern.
    static func parse(_ pattern: String) -> [Comparison]? {
        var rest = Substring(pattern)
        guard rest.first == "[", rest.last == "]" else { return nil }
        rest = rest.dropFirst().dropLast()
        var found: [Comparison] = []
        while true {
            guard let equals = rest.range(of: " = '") else { return nil }
            let path = String(rest[..<equals.lowerBound])
            guard !path.isEmpty, path.contains(":"), !path.contains(" ") else { return nil }
            rest = rest[equals.upperBound...]
            var value = ""
            var closed = false
            while let character = rest.popFirst() {
                if character == "\\" {
                    guard let escaped = rest.popFirst(), escaped == "\\" || escaped == "'" else { return nil }
                    value.append(escaped)
                } else if character == "'" {
                    closed = true
                    break
                } else {
                    value.append(character)
                }
            }
            guard closed else { return nil }
            found.append((path, value))
            if rest.isEmpty { break }
            guard rest.hasPrefix(" AND ") else { return nil }
            rest = rest.dropFirst(5)
        }
        let objectTypes = Set(found.map { $0.path.prefix { $0 != ":" } })
        return objectTypes.count == 1 ? found : nil
    }

    static let numericProperties: Set<String> = ["number", "dst_port", "src_port"]

    /// The observables for comparisons on one object type, its own first; each observable's id is
    /// `type--uuid`, as misp-stix names them after the attribute.
    static func observables(_ comparisons: [Comparison], uuid: String) -> [JSONValue] {
        guard let objectType = comparisons.first.map({ String($0.path.prefix { $0 != ":" }) }) else { return [] }
        var primary: [String: JSONValue] = ["type": .string(objectType), "spec_version": "2.1", "id": .string("\(objectType)--\(uuid)")]
        var referenced: [(property: String, many: Bool, type: String?, value: String?)] = []
        func reference(_ property: String, many: Bool) -> Int {
            if let index = referenced.firstIndex(where: { $0.property == property }) { return index }
            referenced.append((property, many, nil, nil))
            return referenced.count - 1
        }
        for (path, value) in comparisons {
            let segments = path.dropFirst(objectType.count + 1).split(separator: ".", maxSplits: 1).map(String.init)
            switch (segments.first, segments.count > 1 ? segments[1] : nil) {
            case ("hashes"?, let algorithm?):
                var hashes = primary["hashes"]?.objectValue ?? [:]
                hashes[unquote(algorithm)] = .string(value)
                primary["hashes"] = .object(hashes)
            case (let property?, let member?) where property.hasSuffix("_ref") || property.hasSuffix("_refs[*]"):
                let index = reference(property.replacingOccurrences(of: "[*]", with: ""), many: property.hasSuffix("[*]"))
                if member == "type" { referenced[index].type = value } else { referenced[index].value = value }
            case (let property?, nil):
                primary[property] = numericProperties.contains(property) ? (Double(value).map(JSONValue.number) ?? .string(value)) : .string(value)
            default:
                continue
            }
        }
        var others: [JSONValue] = []
        for reference in referenced {
            guard let value = reference.value else { continue }
            let type = reference.type ?? defaultType(of: reference.property, value: value)
            let id = JSONValue.string("\(type)--\(uuid)")
            primary[reference.property] = reference.many ? [id] : id
            others.append(["type": .string(type), "spec_version": "2.1", "id": id, "value": .string(value)])
        }
        if objectType == "network-traffic" { primary["protocols"] = ["tcp"] }
        if objectType == "email-message" { primary["is_multipart"] = false }
        return [.object(primary)] + others
    }

    static func defaultType(of reference: String, value: String) -> String {
        switch reference {
        case "from_ref", "to_refs", "cc_refs", "bcc_refs", "sender_ref": "email-addr"
        default: value.contains(":") ? "ipv6-addr" : "ipv4-addr"
        }
    }

    /// The comparisons an observable stands for, with the observables it refers to.
    static func comparisons(of observable: JSONValue, referring others: [String: JSONValue]) -> [Comparison] {
        guard let members = observable.objectValue, let objectType = members["type"]?.stringValue else { return [] }
        var found: [Comparison] = []
        for (property, value) in members.sorted(by: { $0.key < $1.key })
        where !["type", "id", "spec_version", "protocols", "is_multipart", "defanged"].contains(property) {
            if property == "hashes", let hashes = value.objectValue {
                found += hashes.sorted { $0.key < $1.key }.compactMap { algorithm, hash in
                    hash.stringValue.map { ("\(objectType):hashes.\(quote(algorithm))", $0) }
                }
            } else if property.hasSuffix("_ref"), let target = value.stringValue.flatMap({ others[$0] }) {
                if let type = target["type"]?.stringValue { found.append(("\(objectType):\(property).type", type)) }
                if let text = target["value"]?.stringValue { found.append(("\(objectType):\(property).value", text)) }
            } else if property.hasSuffix("_refs"), let targets = value.arrayValue {
                found += targets.compactMap { $0.stringValue.flatMap { others[$0]?["value"]?.stringValue } }.map {
                    ("\(objectType):\(property)[*].value", $0)
                }
            } else if let text = value.stringValue {
                found.append(("\(objectType):\(property)", text))
            } else if let number = value.integerValue {
                found.append(("\(objectType):\(property)", String(number)))
            }
        }
        return found
    }

    static func quote(_ name: String) -> String { name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? name : "'\(name)'" }
    static func unquote(_ name: String) -> String {
        name.hasPrefix("'") && name.hasSuffix("'") && name.count >= 2 ? String(name.dropFirst().dropLast()) : name
    }
}
