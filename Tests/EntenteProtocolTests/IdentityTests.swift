import Crypto
import Foundation
import Testing

@testable import EntenteProtocol

@Suite("Identity, descriptors and pinning")
struct IdentityTests {
    func descriptor(_ party: Party, rotation: KeyRotation? = nil, keys: NodeKeys? = nil) -> NodeDescriptor {
        NodeDescriptor(
            id: party.id,
            name: "Republic of Estonia",
            kind: .state,
            endpoint: "https://entente.example",
            keys: (keys ?? party.keys).publicKeys,
            pointsOfContact: [
                PointOfContact(
                    role: .technical,
                    name: "CERT-EE",
                    email: "cert@cert.example",
                    languages: ["et", "en"],
                    timeZone: "Europe/Tallinn",
                    availability: .roundTheClock
                )
            ],
            rotation: rotation
        )
    }

    @Test func descriptorsAreSelfSigned() throws {
        let signed = try descriptor(estonia).signed(with: estonia.keys.signing)
        #expect(try NodeDescriptor(verifying: signed) == descriptor(estonia))
        guard case .object(var members) = signed else { return }
        members["name"] = "Someone else"
        #expect(throws: ProtocolError.badSignature) { try NodeDescriptor(verifying: .object(members)) }
    }

    /// The directory a node exports carries the keys behind its fingerprints (what checks a log's checkpoints
    /// offline); keys whose fingerprint it does not list are refused, so the file cannot smuggle a key in.
    @Test func aDirectoryCarriesTheKeysBehindItsFingerprints() throws {
        let (estonia, latvia) = (NodeKeys(), NodeKeys())
        var anchors = TrustAnchors()
        anchors.add(ParticipantID("EST")!, keys: estonia.publicKeys, rotatedFrom: nil)
        anchors.add(ParticipantID("LVA")!, keys: latvia.publicKeys, rotatedFrom: NodeKeys().publicKeys)
        let exported = anchors.directory(exportedBy: ParticipantID("EST")!)
        let read = try TrustAnchors(directory: exported)
        #expect(read == anchors && read.keys[ParticipantID("LVA")!]?.first == latvia.publicKeys)
        guard case .object(var document) = exported, case .array(var participants) = document["participants"],
            case .object(var first) = participants[0]
        else {
            Issue.record("not the directory's shape")
            return
        }
        first["keys"] = .array([NodeKeys().publicKeys.json])
        participants[0] = .object(first)
        document["participants"] = .array(participants)
        #expect(throws: ProtocolError.self) { try TrustAnchors(directory: .object(document)) }
    }

    @Test func fingerprintsAreThirtyDigitsInSixGroups() {
        let text = estonia.keys.publicKeys.fingerprint.description
        #expect(text.split(separator: " ").map(\.count) == [5, 5, 5, 5, 5, 5])
        #expect(Fingerprint(text.replacingOccurrences(of: " ", with: "-")) == estonia.keys.publicKeys.fingerprint)
        #expect(Fingerprint("123") == nil)
        #expect(estonia.keys.publicKeys.fingerprint != latvia.keys.publicKeys.fingerprint)
    }

    @Test func keyChangesNeedARotationSignedByThePinnedKey() throws {
        let pinned = estonia.keys.publicKeys
        let newKeys = NodeKeys()
        #expect(PinDecision.evaluate(descriptor(estonia), pinned: pinned) == .unchanged)

        let unsigned = descriptor(estonia, keys: newKeys)
        guard case .refused = PinDecision.evaluate(unsigned, pinned: pinned) else {
            Issue.record("unsigned key change accepted")
            return
        }

        let rotation = try KeyRotation.sign(id: estonia.id, newKeys: newKeys.publicKeys, previous: estonia.keys)
        #expect(PinDecision.evaluate(descriptor(estonia, rotation: rotation, keys: newKeys), pinned: pinned) == .rotated(newKeys.publicKeys))

        let forged = try KeyRotation.sign(id: estonia.id, newKeys: newKeys.publicKeys, previous: latvia.keys)
        guard case .refused = PinDecision.evaluate(descriptor(estonia, rotation: forged, keys: newKeys), pinned: pinned) else {
            Issue.record("rotation signed by another key accepted")
            return
        }
    }
}

@Suite("Wire primitives")
struct PrimitiveTests {
    @Test func uuidV7IsTimeOrderedAndVersioned() {
        let earlier = UUIDv7.string(UUIDv7.generate(at: Date(timeIntervalSince1970: 1_700_000_000)))
        let later = UUIDv7.string(UUIDv7.generate(at: Date(timeIntervalSince1970: 1_700_000_001)))
        #expect(UUIDv7.isValid(earlier) && UUIDv7.isValid(later))
        #expect(earlier < later)
        #expect(!UUIDv7.isValid(UUID().uuidString.lowercased()))
        #expect(!UUIDv7.isValid(earlier.uppercased()))
    }

    @Test(arguments: [0 as Int64, 1_700_000_000_123, 951_782_400_000, 4_102_444_799_999, -1000])
    func timestampsRoundTrip(milliseconds: Int64) {
        #expect(Timestamp.milliseconds(Timestamp.format(milliseconds: milliseconds)) == milliseconds)
    }

    @Test func timestampsAreStrict() {
        #expect(Timestamp.format(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.milliseconds("2001-02-29T00:00:00.000Z") == nil)
        #expect(Timestamp.milliseconds("2026-11-22T18:41:40Z") == nil)
        #expect(Timestamp.milliseconds("2026-11-22T18:41:40.000+01:00") == nil)
    }

    @Test func base64URLIsStrict() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0x00, 0x10]
        #expect(Base64URL.encode(bytes) == "-_8AEA")
        #expect(Base64URL.decode("-_8AEA").map(Array.init) == bytes)
        #expect(Base64URL.decode("+/8AEA==") == nil)
        // Same bytes with the unused trailing bits set: a second spelling, refused.
        #expect(Base64URL.decode("-_8AEB") == nil)
    }

    @Test func participantIDs() {
        #expect(ParticipantID("EST") != nil)
        #expect(ParticipantID("OSCE-CERT") != nil)
        #expect(ParticipantID("est") == nil)
        #expect(ParticipantID("E") == nil)
        #expect(ParticipantID("1ST") == nil)
    }
}
