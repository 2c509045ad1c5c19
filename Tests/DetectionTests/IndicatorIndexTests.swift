import CanonicalJSON
import Detection
import Testing

/// A STIX indicator with `pattern`, as partners share them.
func indicator(
    _ number: Int,
    _ pattern: String,
    modified: String = "2025-03-01T00:00:00.000Z",
    revoked: Bool = false,
    validUntil: String? = nil
) -> JSONValue {
    var members: [String: JSONValue] = [
        "type": "indicator", "spec_version": "2.1", "id": .string("indicator--00000000-0000-4000-8000-\(String(format: "%012d", number))"),
        "name": .string("indicator \(number)"), "created": "2025-03-01T00:00:00.000Z", "modified": .string(modified),
        "pattern": .string(pattern), "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00.000Z", "revoked": .bool(revoked),
    ]
    members["valid_until"] = validUntil.map(JSONValue.string)
    return .object(members)
}

func event(_ log: NetworkEvent.Log = .conn, at time: Double = 1_741_680_000, _ fill: (inout NetworkEvent) -> Void) -> NetworkEvent {
    var event = NetworkEvent(log: log, time: time)
    event.source = "10.0.0.7"
    fill(&event)
    return event
}

@Suite("The indicator index")
struct IndicatorIndexTests {
    func index(_ objects: [JSONValue]) -> IndicatorIndex {
        var index = IndicatorIndex()
        for object in objects { index.add(object) }
        return index
    }

    func matched(_ index: IndicatorIndex, _ event: NetworkEvent, honouringValidity: Bool = true) -> Set<String> {
        Set(index.hits(event, honouringValidity: honouringValidity).map { index.indicators[$0.indicator].name ?? "" })
    }

    @Test("A subdomain hits its parent's indicator; a name that only ends with the same letters never does")
    func domains() {
        let index = index([indicator(1, "[domain-name:value = 'evil.example']"), indicator(2, "[domain-name:value = 'Cdn.Example.']")])
        #expect(matched(index, event(.dns) { $0.query = "www.evil.example" }) == ["indicator 1"])
        #expect(matched(index, event(.dns) { $0.query = "EVIL.example." }) == ["indicator 1"])
        #expect(matched(index, event(.dns) { $0.query = "notevil.example" }).isEmpty)
        #expect(matched(index, event(.dns) { $0.query = "evil.example.org" }).isEmpty)
        #expect(matched(index, event(.ssl) { $0.serverName = "a.b.cdn.example" }) == ["indicator 2"])
        #expect(index.hits(event(.dns) { $0.query = "www.evil.example" })[0].reason.contains("subdomain of evil.example"))
    }

    @Test("An address hits its own indicator and every network that encloses it, IPv4 and IPv6")
    func addresses() {
        let index = index([
            indicator(1, "[ipv4-addr:value = '203.0.113.66']"), indicator(2, "[ipv4-addr:value ISSUBSET '203.0.113.0/24']"),
            indicator(3, "[ipv4-addr:value ISSUBSET '203.0.0.0/16']"), indicator(4, "[ipv4-addr:value = '198.51.100.0/24']"),
            indicator(5, "[ipv6-addr:value ISSUBSET '2001:db8:abcd::/48']"), indicator(6, "[ipv6-addr:value = '2001:DB8::1']"),
        ])
        #expect(matched(index, event { $0.destination = "203.0.113.66" }) == ["indicator 1", "indicator 2", "indicator 3"])
        #expect(matched(index, event { $0.destination = "203.0.114.1" }) == ["indicator 3"])
        #expect(matched(index, event { $0.destination = "198.51.100.200" }) == ["indicator 4"])
        #expect(matched(index, event { $0.destination = "2001:db8:abcd:12::7" }) == ["indicator 5"])
        #expect(matched(index, event { $0.destination = "2001:db8:0:0:0:0:0:1" }) == ["indicator 6"])
        #expect(matched(index, event { $0.destination = "2001:db8:abce::1" }).isEmpty)
        // An inbound connection from an indicator's address, and a DNS answer pointing at one, hit too.
        #expect(matched(index, event { $0.source = "203.0.113.66" }) == ["indicator 1", "indicator 2", "indicator 3"])
        #expect(matched(index, event(.dns) { $0.answers = ["198.51.100.9"] }) == ["indicator 4"])
    }

    @Test("URLs compare normalised; file hashes whatever their case")
    func urlsAndHashes() {
        let sha256 = String(repeating: "ab", count: 32)
        let index = index([
            indicator(1, "[url:value = 'HTTP://Evil.Example:80/payload.bin?x=1']"),
            indicator(2, "[file:hashes.'SHA-256' = '\(sha256.uppercased())']"),
            indicator(
                3,
                "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"
            ),
        ])
        #expect(
            matched(
                index,
                event(.http) {
                    $0.host = "evil.example"
                    $0.uri = "/payload.bin?x=1"
                }
            ) == ["indicator 1"]
        )
        #expect(
            matched(
                index,
                event(.http) {
                    $0.host = "evil.example"
                    $0.uri = "/payload.bin?x=2"
                }
            ).isEmpty
        )
        #expect(matched(index, event(.files) { $0.sha256 = sha256 }) == ["indicator 2"])
        #expect(matched(index, event(.files) { $0.sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709" }) == ["indicator 3"])
    }

    @Test("Revoked indicators never match; expired ones not after valid_until; a newer version replaces the older")
    func validity() {
        let before = 1_741_680_000.0
        let expiry = "2025-03-11T08:00:00.000Z"
        var index = index([
            indicator(1, "[domain-name:value = 'revoked.example']", revoked: true),
            indicator(2, "[domain-name:value = 'expiring.example']", validUntil: expiry),
            indicator(3, "[domain-name:value = 'withdrawn.example']"),
        ])
        #expect(matched(index, event(.dns, at: before) { $0.query = "revoked.example" }).isEmpty)
        #expect(matched(index, event(.dns, at: before) { $0.query = "revoked.example" }, honouringValidity: false) == ["indicator 1"])
        #expect(matched(index, event(.dns, at: before - 1) { $0.query = "expiring.example" }) == ["indicator 2"])
        #expect(matched(index, event(.dns, at: before + 3600) { $0.query = "expiring.example" }).isEmpty)
        #expect(matched(index, event(.dns) { $0.query = "withdrawn.example" }) == ["indicator 3"])
        // The producer revokes it: the new version arrives; an old copy arriving late changes nothing.
        index.add(indicator(3, "[domain-name:value = 'withdrawn.example']", modified: "2025-03-02T00:00:00.000Z", revoked: true))
        index.add(indicator(3, "[domain-name:value = 'withdrawn.example']"))
        #expect(matched(index, event(.dns) { $0.query = "withdrawn.example" }).isEmpty)
        #expect(index.count == 3)
    }

    @Test("Other patterns are evaluated against the event as STIX observations; a pattern that does not compile is refused alone")
    func patterns() {
        let index = index([
            indicator(1, "[network-traffic:dst_port = 4444 AND network-traffic:protocols[*] = 'tcp']"),
            indicator(2, "[domain-name:value LIKE '%.onion.example' AND domain-name:resolves_to_refs[*].value ISSUBSET '192.0.2.0/24']"),
            indicator(3, "[domain-name:value = 'x'"),
            indicator(4, "[ipv4-addr:value = '192.0.2.9'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.10']"),
        ])
        #expect(index.count == 3 && index.patternCount == 2 && index.multiObservationPatterns == 1)
        #expect(index.refused.count == 1 && index.refused[0].reason.contains("not a STIX pattern"))
        #expect(
            matched(
                index,
                event {
                    $0.destination = "198.51.100.1"
                    $0.destinationPort = 4444
                    $0.transport = "tcp"
                }
            ) == ["indicator 1"]
        )
        #expect(
            matched(
                index,
                event {
                    $0.destination = "198.51.100.1"
                    $0.destinationPort = 4444
                    $0.transport = "udp"
                }
            ).isEmpty
        )
        #expect(
            matched(
                index,
                event(.dns) {
                    $0.query = "a.onion.example"
                    $0.answers = ["192.0.2.7"]
                }
            ) == ["indicator 2"]
        )
        #expect(
            matched(
                index,
                event(.dns) {
                    $0.query = "a.onion.example"
                    $0.answers = ["192.0.3.7"]
                }
            ).isEmpty
        )
    }

    @Test("Findings gather one indicator's hits from one source, with the reasons in words")
    func findings() {
        var detector = IndicatorDetector(index: index([indicator(1, "[domain-name:value = 'evil.example']")]))
        for second in 0..<3 { detector.observe(event(.dns, at: 1_741_680_000 + Double(second)) { $0.query = "evil.example" }) }
        detector.observe(
            event(.dns) {
                $0.source = "10.0.0.9"
                $0.query = "evil.example"
            }
        )
        detector.observe(event(.dns) { $0.query = "good.example" })
        let results = detector.results
        #expect(results.count == 2 && detector.matches == 4)
        #expect(results[0].count == 3 && results[0].source == "10.0.0.7" && results[0].domain == "evil.example")
        #expect(results[0].lastSeen - results[0].firstSeen == 2 && results[0].reasons[0].contains("evil.example is indicator “indicator 1”"))
        let json = results[0].json
        #expect(json["kind"] == "indicator" && json["indicator"]?.stringValue?.hasPrefix("indicator--") == true && json["firstSeen"] != nil)
    }
}
