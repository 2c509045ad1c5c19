import Cases
import Crypto
import EntenteProtocol
import Foundation
import Intelligence
import Testing

@Suite("A case's evidence as STIX")
struct CaseIntelligenceTests {
    func state(evidenceTLP: TLP) throws -> CaseState {
        let key = Curve25519.Signing.PrivateKey()
        let estonia = ParticipantID("EST")!
        let person = CaseEvent.Person(name: "Kadri", role: "technical-poc")
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let report = try CaseEvent.sign(
            .report(
                .init(
                    title: "Ransomware",
                    summary: "s",
                    sectors: [.banking],
                    impact: .severe,
                    firstSeen: Timestamp.format(now),
                    status: .ongoing,
                    tlp: .green
                )
            ),
            caseID: nil,
            owner: estonia,
            author: estonia,
            after: [],
            by: person,
            key: key,
            now: now
        )
        let evidence = try CaseEvent.sign(
            .evidence(
                .init(
                    description: "C2",
                    files: [.init(name: "locker.exe", sha256: String(repeating: "ab", count: 32), tlp: evidenceTLP)],
                    indicators: [.init(type: "ipv4-addr", value: "198.51.100.7"), .init(type: "url", value: "http://x.example/a'b")],
                    tlp: evidenceTLP
                )
            ),
            caseID: report.caseID,
            owner: estonia,
            author: estonia,
            after: [report.id],
            by: person,
            key: key,
            now: now.addingTimeInterval(60)
        )
        return CaseState(id: report.caseID, events: [report, evidence])
    }

    @Test func indicatorsCarryTheStricterOfTheEvidenceAndCaseMarkingsAndValidate() throws {
        for (evidenceTLP, expected) in [(TLP.clear, TLP.green), (.amberStrict, .amberStrict)] {
            let objects = CaseIntelligence.bundle(of: try state(evidenceTLP: evidenceTLP))
            let indicators = try objects.filter { $0["type"] == "indicator" }.map { try STIXValidation.validate($0) }
            #expect(indicators.count == 3)
            #expect(indicators.allSatisfy { $0.tlp == expected })
            let patterns = indicators.map { $0.document["pattern"]?.stringValue ?? "" }
            #expect(patterns.contains("[url:value = 'http://x.example/a\\'b']"))
            let report = try STIXValidation.validate(objects.last!)
            #expect(report.type == "report" && report.document["object_refs"]?.arrayValue?.count == 3)
        }
    }

    /// Latvia's AMBER+STRICT evidence in Estonia's case is Latvia's to share: Estonia's collection never gets it.
    @Test func aNodeSharesOnlyTheEvidenceItProduced() throws {
        let owned = try state(evidenceTLP: .amber)
        let estonia = ParticipantID("EST")!
        let latvia = ParticipantID("LVA")!
        #expect(CaseIntelligence.bundle(of: owned, producedBy: estonia).count == 4)
        #expect(CaseIntelligence.bundle(of: owned, producedBy: latvia).isEmpty)
    }

    @Test func exportingTwiceGivesTheSameIdentifiers() throws {
        let state = try state(evidenceTLP: .amber)
        #expect(CaseIntelligence.bundle(of: state).map { $0["id"] } == CaseIntelligence.bundle(of: state).map { $0["id"] })
    }
}
