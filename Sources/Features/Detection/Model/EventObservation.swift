import CanonicalJSON
import Intelligence

/// A network event as STIX 2.1 cyber-observable objects, for patterns the index cannot look up by value:
/// the addresses, the `network-traffic` between them (ports, protocols, bytes, the HTTP request), the names
/// (`domain-name`, resolving to the DNS answers), the URL and the file's hashes.
enum EventObservation {
    /// The types of the objects `observation(of:)` would build, without building them.
    static func objectTypes(of event: NetworkEvent) -> Set<String> {
        var types: Set<String> = ["network-traffic"]
        for address in [event.source, event.destination] + event.answers {
            if let address = address.flatMap(IPAddress.init) { types.insert(address.bitWidth == 32 ? "ipv4-addr" : "ipv6-addr") }
        }
        if !event.names.isEmpty { types.insert("domain-name") }
        if event.url != nil { types.insert("url") }
        if event.md5 != nil || event.sha1 != nil || event.sha256 != nil { types.insert("file") }
        return types
    }

    static func observation(of event: NetworkEvent) -> PatternObservation {
        var objects: [JSONValue] = []
        func address(_ value: String?, _ id: String) -> JSONValue? {
            guard let value, let address = IPAddress(value) else { return nil }
            let type = address.bitWidth == 32 ? "ipv4-addr" : "ipv6-addr"
            objects.append(["type": .string(type), "id": .string("\(type)--\(id)"), "value": .string(value)])
            return .string("\(type)--\(id)")
        }
        var traffic: [String: JSONValue] = ["type": "network-traffic", "id": "network-traffic--event"]
        traffic["src_ref"] = address(event.source, "source")
        traffic["dst_ref"] = address(event.destination, "destination")
        traffic["src_port"] = event.sourcePort.map { .number(Double($0)) }
        traffic["dst_port"] = event.destinationPort.map { .number(Double($0)) }
        traffic["src_byte_count"] = event.sentBytes.map { .number(Double($0)) }
        traffic["dst_byte_count"] = event.receivedBytes.map { .number(Double($0)) }
        let protocols = [event.transport, event.service].compactMap { $0?.lowercased() }
        if !protocols.isEmpty { traffic["protocols"] = .array(protocols.map(JSONValue.string)) }
        if let uri = event.uri {
            var request: [String: JSONValue] = ["request_method": "GET", "request_value": .string(uri)]
            if let host = event.host { request["request_header"] = ["Host": .string(host)] }
            traffic["extensions"] = ["http-request-ext": .object(request)]
        }
        objects.append(.object(traffic))
        for (index, name) in event.names.enumerated() {
            var domain: [String: JSONValue] = ["type": "domain-name", "id": .string("domain-name--\(index)"), "value": .string(name)]
            let resolved = event.answers.enumerated().compactMap { address($1, "answer-\($0)") }
            if !resolved.isEmpty, name == event.query { domain["resolves_to_refs"] = .array(resolved) }
            objects.append(.object(domain))
        }
        if let url = event.url { objects.append(["type": "url", "id": "url--event", "value": .string(url)]) }
        let hashes = [("MD5", event.md5), ("SHA-1", event.sha1), ("SHA-256", event.sha256)].compactMap { name, value in
            value.map { (name, JSONValue.string($0)) }
        }
        if !hashes.isEmpty {
            objects.append(["type": "file", "id": "file--event", "hashes": .object(Dictionary(uniqueKeysWithValues: hashes))])
        }
        let time = Int64((event.time * 1_000_000).rounded())
        let data: JSONValue = ["type": "observed-data", "id": "observed-data--event", "object_refs": .array(objects.compactMap { $0["id"] })]
        return PatternObservation(id: "observed-data--event", first: time, last: time, count: 1, objects: [data] + objects)
    }
}
