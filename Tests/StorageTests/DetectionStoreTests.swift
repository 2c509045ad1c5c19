import CanonicalJSON
import Detection
import EntenteProtocol
import Foundation
import Intelligence
import Testing

@testable import Storage

@Suite("Detection storage: runs and findings kept whole, filtered by what a reader may see")
struct DetectionStoreTests {
    static func finding(_ n: Int, kind: Finding.Kind, score: Double, destination: String, explanation: String? = nil) -> Finding {
        Finding(
            kind: kind,
            score: score,
            source: "10.0.0.\(n % 250)",
            destination: destination,
            domain: nil,
            value: destination,
            indicator: kind == .indicator ? "indicator--\(UUID().uuidString.lowercased())" : nil,
            count: n + 1,
            firstSeen: 1_764_000_000.25,
            lastSeen: 1_764_003_600.5,
            reasons: ["reason \(n)", "a reason with \"quotes\" and ünïcode"],
            explanation: explanation
        )
    }

    /// A run of 1,203 findings (three insert batches) comes back exactly as recorded, and every filter selects
    /// what it says: kind, score, text (whose `_` and `%` are not wildcards), explained, and the readable TLPs.
    @Test(arguments: Backend.available)
    func findingsComeBackAsRecordedAndFiltered(backend: Backend) async throws {
        try await withStore(backend) { store in
            let runID = UUIDv7.generate().uuidString.lowercased()
            let created = Date(timeIntervalSince1970: 1_765_000_000)
            var findings: [StoredFinding] = []
            for n in 0..<1203 {
                let kind: Finding.Kind = [.indicator, .pattern, .beacon, .dga][n % 4]
                let destination = n == 7 ? "evil_host.example" : n == 8 ? "evilxhost.example" : "198.51.100.\(n % 200)"
                let explanation = kind == .beacon && n % 8 == 2 ? "NTP: a time server" : nil
                findings.append(
                    StoredFinding(
                        id: UUIDv7.generate().uuidString.lowercased(),
                        runID: runID,
                        finding: Self.finding(n, kind: kind, score: Double(n % 1000) / 1000, destination: destination, explanation: explanation),
                        tlp: n % 5 == 0 ? .red : .amber,
                        recipients: n % 5 == 0 ? [n % 2 == 0 ? "soc_1" : "analyst"] : [],
                        createdAt: created
                    )
                )
            }
            let run = DetectionRunRecord(
                id: runID,
                logName: "conn.log",
                submittedBy: "analyst",
                startedAt: created,
                finishedAt: created,
                summary: ["lines": 5000, "events": 4990, "badLines": 10, "badLineNumbers": [3, 9]],
                indicators: 42,
                findings: 1203
            )
            try await store.recordDetectionRun(run, findings: findings)
            #expect(try await store.detectionRuns() == [run])

            for stored in findings.prefix(50) {
                #expect(try await store.detectionFinding(stored.id) == stored)
            }

            let everything = FindingReader(name: "soc_1", role: .technicalPOC)
            var filter = FindingFilter(reader: everything)
            filter.limit = 2000
            filter.includeExplained = true
            let soc1 = try await store.detectionFindings(filter)
            #expect(Set(soc1.map(\.id)) == Set(findings.filter(everything.mayRead).map(\.id)))
            #expect(soc1.contains { $0.tlp == .red } && soc1.allSatisfy { $0.tlp != .red || $0.recipients == ["soc_1"] })

            // A RED finding is read by its recipients alone: a name `_` would match as a LIKE wildcard reads nothing of
            // soc_1's, an observer no RED at all, whatever the name.
            for (name, role) in [("socx1", Role.technicalPOC), ("soc_1", .observer), ("analyst", .diplomaticPOC)] {
                filter.reader = FindingReader(name: name, role: role)
                let read = try await store.detectionFindings(filter)
                #expect(Set(read.map(\.id)) == Set(findings.filter(filter.reader.mayRead).map(\.id)), "\(name)")
                #expect(read.allSatisfy { $0.tlp != .red || $0.recipients == [name] })
            }
            filter.reader = everything

            filter.includeExplained = false
            let alerts = try await store.detectionFindings(filter)
            #expect(alerts.count == findings.filter { everything.mayRead($0) && $0.finding.explanation == nil }.count)
            #expect(zip(alerts, alerts.dropFirst()).allSatisfy { $0.finding.score >= $1.finding.score })

            filter.kind = .dga
            filter.minimumScore = 0.9
            let strongDGA = try await store.detectionFindings(filter)
            #expect(strongDGA.count == findings.filter { everything.mayRead($0) && $0.finding.kind == .dga && $0.finding.score >= 0.9 }.count)
            #expect(strongDGA.allSatisfy { $0.finding.kind == .dga && $0.finding.score >= 0.9 })

            filter = FindingFilter(reader: everything)
            filter.text = "EVIL_HOST"
            #expect(try await store.detectionFindings(filter).map(\.finding.destination) == ["evil_host.example"])
            filter.text = "%"
            #expect(try await store.detectionFindings(filter).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func aFindingRemembersItsSightingAndCase(backend: Backend) async throws {
        try await withStore(backend) { store in
            let runID = UUIDv7.generate().uuidString.lowercased()
            let stored = StoredFinding(
                id: UUIDv7.generate().uuidString.lowercased(),
                runID: runID,
                finding: Self.finding(1, kind: .indicator, score: 1, destination: "203.0.113.9"),
                tlp: .green,
                createdAt: Date(timeIntervalSince1970: 1_765_000_000)
            )
            let run = DetectionRunRecord(
                id: runID,
                logName: "dns.log",
                submittedBy: "operator",
                startedAt: stored.createdAt,
                finishedAt: stored.createdAt,
                summary: [:],
                indicators: 1,
                findings: 1
            )
            try await store.recordDetectionRun(run, findings: [stored])
            try await store.markFinding(stored.id, sighting: "sighting--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
            try await store.markFinding(stored.id, caseID: runID)
            let marked = try #require(try await store.detectionFinding(stored.id))
            #expect(marked.sighting == "sighting--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
            #expect(marked.caseID == runID)
            #expect(try await store.detectionFinding("missing") == nil)
        }
    }

    /// The index is rebuilt when this changes: adding an indicator must change it, anything else must not.
    @Test(arguments: Backend.available)
    func theIndicatorGenerationMovesWhenIndicatorsDo(backend: Backend) async throws {
        try await withStore(backend) { store in
            let empty = try await store.indicatorGeneration()
            let collection = TAXIICollection(id: "c1", title: "t", description: "", defaultTLP: .amber)
            try await store.createCollection(collection, now: Date())
            func object(_ type: String, _ extra: [String: JSONValue]) throws -> STIXObject {
                var members: [String: JSONValue] = [
                    "type": .string(type), "spec_version": "2.1", "id": .string("\(type)--\(UUID().uuidString.lowercased())"),
                    "created": "2026-11-22T10:00:00.000Z", "modified": "2026-11-22T10:00:00.000Z", "name": "n",
                ]
                members.merge(extra) { $1 }
                return try STIXValidation.validate(.object(members))
            }
            try await store.addSTIXObjects([try object("malware", ["is_family": false])], to: collection, fromThisNode: true, now: Date())
            #expect(try await store.indicatorGeneration() == empty)
            let indicator = try object(
                "indicator",
                ["pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2026-11-22T10:00:00Z"]
            )
            try await store.addSTIXObjects([indicator], to: collection, fromThisNode: true, now: Date())
            #expect(try await store.indicatorGeneration() != empty)
        }
    }
}
