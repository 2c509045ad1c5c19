import EntenteProtocol
import Foundation
import Intelligence
import Testing

@Suite("Sightings written here")
struct SightingsTests {
    let latvia = ParticipantID("LVA")!
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let indicator = "indicator--0f8a3e06-7e5c-5e68-9d2b-2f1e4d8a7c01"

    @Test func aSightingIsValidSTIXNamingWhereItWasMade() throws {
        let report = Sightings.Report(
            sightingOf: indicator,
            count: 3,
            firstSeen: now.addingTimeInterval(-3600),
            lastSeen: now,
            note: "two ministries",
            tlp: .amber
        )
        let sighting = try STIXValidation.validate(try Sightings.sighting(report, by: latvia, at: now))
        #expect(sighting.type == "sighting" && sighting.tlp == .amber)
        #expect(sighting.document["sighting_of_ref"]?.stringValue == indicator)
        #expect(sighting.document["count"]?.integerValue == 3)
        #expect(Sightings.identities(in: sighting.document) == [Sightings.identityID(of: latvia)])
        let identity = try STIXValidation.validate(Sightings.identity(of: latvia, name: "Latvia", at: now))
        #expect(identity.id == Sightings.identityID(of: latvia) && identity.tlp == .green)
        #expect(Sightings.identityID(of: latvia) == Sightings.identityID(of: ParticipantID("LVA")!), "stable, so it is held once")
    }

    @Test func aRedSightingNamesItsRecipients() throws {
        let report = Sightings.Report(sightingOf: indicator, tlp: .red, recipients: ["janis"])
        let sighting = try STIXValidation.validate(try Sightings.sighting(report, by: latvia, at: now))
        #expect(sighting.recipients == ["janis"])
    }

    @Test(arguments: [
        (Sightings.Report(sightingOf: "not-an-id"), "identifier"),
        (Sightings.Report(sightingOf: "indicator--0f8a3e06-7e5c-5e68-9d2b-2f1e4d8a7c01", count: 0), "count"),
        (
            Sightings.Report(
                sightingOf: "indicator--0f8a3e06-7e5c-5e68-9d2b-2f1e4d8a7c01",
                firstSeen: Date(timeIntervalSince1970: 10),
                lastSeen: Date(timeIntervalSince1970: 5)
            ), "before"
        ),
        (Sightings.Report(sightingOf: "indicator--0f8a3e06-7e5c-5e68-9d2b-2f1e4d8a7c01", note: String(repeating: "x", count: 10_001)), "10,000"),
    ])
    func nonsenseIsRefusedWithItsReason(report: Sightings.Report, reason: String) {
        #expect { try Sightings.sighting(report, by: latvia, at: now) } throws: { ($0 as? STIXError)?.description.contains(reason) == true }
    }

    /// What another organisation may receive from its source: everything but TLP:RED.
    @Test func onlyWhatTLPLetsLeaveGoesBackToTheProducer() {
        #expect(TLP.allCases.filter(Sightings.mayReturn) == [.clear, .green, .amber, .amberStrict])
    }
}
