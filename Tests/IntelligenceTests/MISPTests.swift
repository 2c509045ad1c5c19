import EntenteProtocol
import Foundation
import Testing

@testable import Intelligence

@Suite("MISP attributes and STIX")
struct MISPTests {
    /// A sample value of each type, with quotes and backslashes where the type allows them.
    static let samples: [String: String] = [
        "ip-dst": "198.51.100.7", "ip-src": "2001:db8::66", "ip-dst|port": "203.0.113.10|8443", "ip-src|port": "2001:db8::1|53",
        "domain": "c2.example", "hostname": "www.c2.example", "domain|ip": "update.c2.example|198.51.100.9", "url": "http://c2.example/a?id='1'",
        "uri": "/gate.php", "link": "https://ref.example/x", "md5": "d41d8cd98f00b204e9800998ecf8427e",
        "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha256": String(repeating: "a", count: 64), "sha512": String(repeating: "b", count: 128),
        "filename": "O'Brien\\report.exe", "filename|md5": "a.exe|d41d8cd98f00b204e9800998ecf8427e",
        "filename|sha1": "b.exe|da39a3ee5e6b4b0d3255bfef95601890afd80709", "filename|sha256": "c.exe|" + String(repeating: "c", count: 64),
        "email-src": "a@bad.example", "email-dst": "b@bad.example", "email": "c@bad.example", "email-subject": "Invoice 'urgent'",
        "mutex": "Global\\x", "regkey": "HKLM\\Software\\Run", "mac-address": "00:11:22:33:44:55", "AS": "AS64500",
        "x509-fingerprint-sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "user-agent": "Mozilla/5.0 (evil)",
    ]

    @Test func everyTypeHasASample() {
        #expect(Set(Self.samples.keys) == Set(MISPAttributeType.all.map(\.name)))
    }

    /// value → pattern → parsed → the same type and value; and, where there are observables,
    /// value → observables → comparisons → the same again. The type is found from its label,
    /// as misp-stix writes one; types with the same STIX (domain and hostname) need it.
    @Test(arguments: MISPAttributeType.all.map(\.name))
    func aValueSurvivesThePatternAndTheObservables(name: String) throws {
        let type = try #require(MISPAttributeType.byName[name])
        let value = try #require(Self.samples[name])
        let comparisons = type.comparisons(for: try #require(type.split(value)))
        let parsed = try #require(STIXComparisons.parse(STIXComparisons.pattern(comparisons)))
        #expect(MISPEvent.match(parsed, label: name)?.type == name)
        #expect(MISPEvent.match(parsed, label: name)?.value == value)
        guard type.observable else { return }
        let observables = STIXComparisons.observables(comparisons, uuid: "91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f")
        for observable in observables { _ = try STIXValidation.validate(observable) }
        let byID = Dictionary(uniqueKeysWithValues: observables.map { ($0["id"]!.stringValue!, $0) })
        let found = STIXComparisons.comparisons(of: observables[0], referring: byID)
        #expect(MISPEvent.match(found, label: name)?.value == value, "\(found)")
    }

    @Test func patternsOfAnotherShapeAreNotAttributes() {
        for pattern in [
            "[ipv4-addr:value = '1.2.3.4'] OR [domain-name:value = 'x']", "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']",
            "[file:size > 10]", "[url:value = 'unterminated]", "ipv4-addr:value = '1.2.3.4'", "[url:value = 'a\\x']",
        ] {
            #expect(STIXComparisons.parse(pattern) == nil, "\(pattern)")
        }
    }

    @Test func valuesOfTheWrongShapeAreRefused() {
        #expect(MISPAttributeType.byName["ip-dst|port"]!.split("198.51.100.7") == nil)
        #expect(MISPAttributeType.byName["AS"]!.split("ASNINE") == nil)
        #expect(MISPAttributeType.byName["domain|ip"]!.split("x.example|") == nil)
    }

    @Test func anEventBecomesAReportOfItsAttributesMarkedNoWeakerThanMISP() throws {
        let event: JSONValue = [
            "Event": [
                "uuid": "5B7E3F2A-8C1D-4E2F-9A3B-6C5D4E3F2A1B", "info": "Campaign", "date": "2026-11-22",
                "Tag": [["name": "tlp:green"], ["name": "PAP:AMBER"]],
                "Attribute": [
                    ["uuid": "91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f", "type": "domain", "value": "c2.example", "to_ids": true],
                    [
                        "uuid": "518b4bcb-a86b-4783-9457-391d548b605b", "type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": "1",
                        "Tag": [["name": "tlp:red"]],
                    ],
                    ["uuid": "34cb1a7c-55ec-412a-8684-ba4a88d83a45", "type": "btc", "value": "1Boat", "to_ids": false],
                ],
                "Object": [
                    ["Attribute": [["uuid": "94a2b00f-bec3-4f8a-bea4-e4ccf0de776f", "type": "url", "value": "http://c2.example/", "to_ids": false]]]
                ],
            ]
        ]
        let conversion = try MISPEvent.stix(from: event, recipients: ["kadri"])
        let objects = try conversion.objects.map { try STIXValidation.validate($0) }
        #expect(
            objects.map(\.id) == [
                "indicator--91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f", "indicator--518b4bcb-a86b-4783-9457-391d548b605b",
                "observed-data--94a2b00f-bec3-4f8a-bea4-e4ccf0de776f", "url--94a2b00f-bec3-4f8a-bea4-e4ccf0de776f",
                "report--5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b",
            ]
        )
        #expect(objects.map(\.tlp) == [.green, .red, .green, nil, .green])
        #expect(objects[1].recipients == ["kadri"])
        #expect(objects[4].document["labels"] == ["PAP:AMBER"])
        #expect(conversion.skipped == ["attribute 34cb1a7c-55ec-412a-8684-ba4a88d83a45: MISP type btc has no STIX mapping here"])

        let (back, skipped) = try MISPEvent.event(
            from: conversion.objects,
            report: "report--5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b",
            uuid: "unused",
            info: "unused"
        )
        #expect(skipped.isEmpty)
        #expect(back["Event"]?["uuid"] == "5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b")
        #expect(back["Event"]?["Tag"] == [["name": "tlp:green"], ["name": "PAP:AMBER"]])
        let attributes = back["Event"]?["Attribute"]?.arrayValue ?? []
        #expect(attributes.map { $0["type"]?.stringValue ?? "" } == ["domain", "md5", "url"])
        #expect(attributes.map { $0["to_ids"]?.boolValue ?? false } == [true, true, false])
        #expect(attributes[1]["Tag"] == [["name": "tlp:red"]])
    }

    @Test func papIsReadFromLabelsAndCustomProperties() {
        #expect(PAP.of(["labels": ["misp:tool=\"x\"", "PAP:GREEN"]]) == .green)
        #expect(PAP.of(["labels": ["pap:white"]]) == .clear)
        #expect(PAP.of(["x_misp_pap": "red"]) == .red)
        #expect(PAP.of(["labels": ["PAP:PURPLE"]]) == nil)
        #expect(PAP.of(["name": "no PAP"]) == nil)
    }

    @Test func whatIsNotAnEventIsRefusedWithItsReason() {
        for (json, reason) in [
            (JSONValue.array([]), "not a MISP event"), (["Event": ["info": "x"]], "uuid"),
            (["Event": ["uuid": "5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b", "info": "x"]], "neither a timestamp nor a date"),
        ] as [(JSONValue, String)] {
            #expect { try MISPEvent.stix(from: json, recipients: []) } throws: { ($0 as? STIXError)?.description.contains(reason) == true }
        }
    }
}
