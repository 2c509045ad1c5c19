import EntenteProtocol
import Intelligence
import Testing

@Suite("STIX 2.1 validation and TLP 2.0")
struct STIXValidationTests {
    static let indicator: JSONValue = [
        "type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-11-22T10:00:00.000Z", "modified": "2026-11-22T10:00:00.000Z", "name": "C2",
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2026-11-22T10:00:00Z",
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
    ]

    func with(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var members) = Self.indicator else { return .null }
        members[key] = value
        return .object(members)
    }

    @Test func aValidIndicatorKeepsItsDocumentVersionAndMarking() throws {
        let object = try STIXValidation.validate(Self.indicator)
        #expect(object.version == "2026-11-22T10:00:00.000Z")
        #expect(object.tlp == .amber)
        #expect(object.document == Self.indicator)
    }

    @Test(arguments: [
        ("spec_version", JSONValue.string("2.0"), "spec_version must be 2.1"),
        ("id", .string("indicator--not-a-uuid"), "lowercase UUID"),
        ("id", .string("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), "identifier of type indicator"),
        ("created", .string("22 November 2026"), "created must be an RFC 3339"),
        ("modified", .string("2026-11-21T10:00:00.000Z"), "must not be earlier than created"),
        ("pattern", .string("ipv4-addr:value = '1.2.3.4'"), "not a STIX pattern"),
        ("valid_from", .null, "valid_from must be an RFC 3339"),
        ("object_marking_refs", .array([]), "non-empty list"),
        ("Bad-Name", .string("x"), "property name"),
        ("created_by_ref", .string("identity--x"), "lowercase UUID"),
    ])
    func eachInvalidPropertyIsNamed(_ key: String, _ value: JSONValue?, _ message: String) {
        #expect {
            try STIXValidation.validate(with(key, value))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func typesAndRequiredProperties() throws {
        #expect(throws: STIXError.self) { try STIXValidation.validate(with("type", "weapon")) }
        let observable: JSONValue = [
            "type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.7",
        ]
        #expect(try STIXValidation.validate(observable).version == nil)
        let family: JSONValue = [
            "type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
            "created": "2026-11-22T10:00:00Z", "modified": "2026-11-22T10:00:00Z", "is_family": true,
        ]
        #expect(throws: STIXError.self) { try STIXValidation.validate(family) }
    }

    @Test func redNeedsNamedRecipients() throws {
        let red = with("object_marking_refs", ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"])
        #expect(throws: STIXError.self) { try STIXValidation.validate(red) }
        guard case .object(var members) = red else { return }
        members["x_entente_recipients"] = ["analyst", "soc_1", "LVA"]
        #expect(try STIXValidation.validate(.object(members)).recipients == ["analyst", "soc_1", "LVA"])
        // A name that could not be told apart from others in storage, or that is not a name, is refused.
        for bad: JSONValue in [["a,b"], ["%"], [""], ["Kadri Tamm"], [.number(1)], "analyst", .array(Array(repeating: "a", count: 257))] {
            members["x_entente_recipients"] = bad
            #expect(throws: STIXError.self) { try STIXValidation.validate(.object(members)) }
        }
    }

    @Test func theStrictestTLPMarkingWinsAndTLP1IsRead() {
        #expect(TLPMarking.strictest([TLPMarking.definitions[.green]!, TLPMarking.definitions[.amberStrict]!]) == .amberStrict)
        #expect(TLPMarking.strictest(["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]) == .clear)
        #expect(TLPMarking.strictest(["marking-definition--00000000-0000-4000-8000-000000000000"]) == nil)
    }

    @Test func timestampsAtMicrosecondPrecision() {
        #expect(STIXTime.microseconds("2026-11-22T10:00:00.123456Z") == STIXTime.microseconds("2026-11-22T10:00:00Z")! + 123_456)
        #expect(STIXTime.microseconds("2026-11-22T10:00:00.1Z") == STIXTime.microseconds("2026-11-22T10:00:00Z")! + 100_000)
        #expect(STIXTime.format(microseconds: STIXTime.microseconds("2026-11-22T10:00:00.123456Z")!) == "2026-11-22T10:00:00.123456Z")
        #expect(STIXTime.microseconds("2026-13-22T10:00:00Z") == nil)
        #expect(STIXTime.microseconds("2026-11-22T10:00:00.12a4Z") == nil)
    }

    @Test func theTLPRulesForEachReader() {
        let member = Reader(name: "analyst", relation: .member)
        let client = Reader(name: "soc", relation: .client)
        let partner = Reader(name: "lva", relation: .partner)
        for tlp in [TLP.clear, .green] {
            for reader in [member, client, partner] { #expect(TLPPolicy.allows(tlp, recipients: [], fromThisNode: false, reader: reader)) }
        }
        #expect(TLPPolicy.allows(.amber, recipients: [], fromThisNode: false, reader: client))
        #expect(!TLPPolicy.allows(.amber, recipients: [], fromThisNode: false, reader: partner))
        #expect(TLPPolicy.allows(.amber, recipients: [], fromThisNode: true, reader: partner))
        #expect(!TLPPolicy.allows(.amberStrict, recipients: [], fromThisNode: false, reader: client))
        #expect(TLPPolicy.allows(.amberStrict, recipients: [], fromThisNode: false, reader: member))
        #expect(!TLPPolicy.allows(.red, recipients: ["soc"], fromThisNode: true, reader: member))
        #expect(TLPPolicy.allows(.red, recipients: ["soc"], fromThisNode: false, reader: client))
    }
}

@Suite("Streaming envelopes")
struct EnvelopeSplitterTests {
    @Test func objectsComeOutWhateverTheChunking() throws {
        let envelope = #"{"more": false, "objects": [{"type":"a","n":"}]\"{"}, {"type":"b","list":[1,{"x":[]}]}], "next": "x"}"#
        let bytes = Array(envelope.utf8)
        for chunk in [1, 2, 7, 64, bytes.count] {
            var splitter = EnvelopeSplitter()
            var objects: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                objects += try splitter.feed(bytes[index..<min(index + chunk, bytes.count)])
                index += chunk
            }
            try splitter.finish()
            #expect(
                objects.map { String(decoding: $0, as: UTF8.self) } == [#"{"type":"a","n":"}]\"{"}"#, #"{"type":"b","list":[1,{"x":[]}]}"#],
                "chunk \(chunk)"
            )
        }
    }

    @Test func malformedEnvelopesAreRefused() {
        for text in [#"[1]"#, #"{"objects": [1]}"#, #"{"objects": [{"a":1}"#, #"{"other": []}"#, #"{"objects": []} x"#] {
            var splitter = EnvelopeSplitter()
            #expect(throws: STIXError.self, "\(text)") {
                _ = try splitter.feed(Array(text.utf8))
                try splitter.finish()
            }
        }
        var small = EnvelopeSplitter(maximumObjectBytes: 10)
        #expect(throws: STIXError.self) { _ = try small.feed(Array(#"{"objects": [{"type":"indicator"}]}"#.utf8)) }
    }

    /// Found by fuzzing: a timestamp with an eighty-digit fraction overflowed and crashed the node.
    @Test func timestampsOfAnyPrecisionKeepMillisecondsAndNeverOverflow() {
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00.1Z") == STIXValidation.milliseconds("2026-11-22T09:20:00.100Z"))
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00.123456789Z") == STIXValidation.milliseconds("2026-11-22T09:20:00.123Z"))
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00.123Z").map { $0 % 1000 } == 123)
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00." + String(repeating: "7", count: 80) + "Z") == nil)
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00.0007777777777777777777777777Z").map { $0 % 1000 } == 0)
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00.12aZ") == nil)
        #expect(STIXValidation.milliseconds("2026-11-22T09:20:00.Z") == nil)
    }
}
