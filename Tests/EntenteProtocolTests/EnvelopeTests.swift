import Crypto
import Foundation
import Testing

@testable import EntenteProtocol

struct Party {
    let id: ParticipantID
    let keys: NodeKeys

    init(_ id: String, seed: UInt8) {
        self.id = ParticipantID(id)!
        keys = NodeKeys(
            signing: try! .init(rawRepresentation: Data(repeating: seed, count: 32)),
            agreement: try! .init(rawRepresentation: Data(repeating: seed &+ 100, count: 32))
        )
    }
}

let estonia = Party("EST", seed: 1)
let latvia = Party("LVA", seed: 2)
let lithuania = Party("LTU", seed: 3)
let payload: JSONValue = ["template": "notification", "subject": "Ransomware at two banks", "priority": "flash"]

func sealed(to recipients: [Party] = [latvia, lithuania], payload: JSONValue = payload) throws -> Envelope {
    try Envelope.seal(
        payload: payload,
        type: "hotline.message",
        from: estonia.id,
        signingKey: estonia.keys.signing,
        to: recipients.map { ($0.id, $0.keys.agreement.publicKey) },
        tlp: .amber,
        exercise: true
    )
}

@Suite("Envelopes")
struct EnvelopeTests {
    @Test func eachRecipientOpensWhatTheSenderSealed() throws {
        let envelope = try Envelope(wireBytes: sealed().wireBytes)
        try envelope.verifySignature(with: estonia.keys.signing.publicKey)
        #expect(try envelope.open(as: latvia.id, with: latvia.keys.agreement) == payload)
        #expect(try envelope.open(as: lithuania.id, with: lithuania.keys.agreement) == payload)
        #expect(UUIDv7.isValid(envelope.id))
    }

    @Test func aNonRecipientCannotOpen() throws {
        let envelope = try sealed(to: [latvia])
        #expect(throws: ProtocolError.notAddressedToThisNode("LTU")) { try envelope.open(as: lithuania.id, with: lithuania.keys.agreement) }
        // Even with another recipient's entry, a different key does not decrypt.
        #expect(throws: ProtocolError.undecryptable) { try envelope.open(as: latvia.id, with: lithuania.keys.agreement) }
    }

    @Test func signatureFromAnotherKeyIsRefused() throws {
        #expect(throws: ProtocolError.badSignature) { try sealed().verifySignature(with: latvia.keys.signing.publicKey) }
    }

    /// Changing any member of the signed envelope breaks the signature.
    @Test(arguments: ["id", "type", "from", "to", "createdAt", "tlp", "exercise", "keys", "ciphertext"])
    func tamperingWithAnyMemberIsDetected(member: String) throws {
        let original = try sealed()
        guard case .object(var members) = original.json else {
            Issue.record("not an object")
            return
        }
        members[member] =
            switch member {
            case "id": .string(UUIDv7.string(UUIDv7.generate()))
            case "type": "hotline.acknowledgement"
            case "from": "LTU"
            case "to": ["LTU", "LVA", "FIN"]
            case "createdAt": "2020-01-01T00:00:00.000Z"
            case "tlp": "clear"
            case "exercise": false
            case "keys": try sealed().json["keys"]!
            default: try sealed().json["ciphertext"]!
            }
        let result = Result { try Envelope(json: .object(members)).verifySignature(with: estonia.keys.signing.publicKey) }
        guard case .failure(let error as ProtocolError) = result else {
            Issue.record("tampered \(member) accepted")
            return
        }
        #expect(error == .badSignature || error.code == "malformed")
    }

    @Test func refusesStructuralProblemsWithReasons() throws {
        let good = try sealed().json
        #expect(throws: ProtocolError.unsigned) { try Envelope(json: good.removing("signature")) }
        #expect(throws: ProtocolError.unsupportedVersion(2)) {
            guard case .object(var members) = good else { return }
            members["v"] = 2
            _ = try Envelope(json: .object(members))
        }
        #expect(throws: ProtocolError.self) {
            guard case .object(var members) = good else { return }
            members["extra"] = true
            _ = try Envelope(json: .object(members))
        }
        #expect(throws: ProtocolError.tooLarge(limit: Envelope.maximumSize)) {
            try Envelope(wireBytes: [UInt8](repeating: 0x20, count: Envelope.maximumSize + 1))
        }
        #expect(throws: ProtocolError.self) { try Envelope(wireBytes: Array("not json".utf8)) }
    }

    @Test func receiptsBindTheEnvelopeAndTheRecipient() throws {
        let envelope = try sealed()
        let receipt = try DeliveryReceipt(
            envelopeID: envelope.id,
            digest: envelope.digest,
            recipient: latvia.id,
            receivedAt: Timestamp.format(Date())
        )
        .signed(with: latvia.keys.signing)
        _ = try DeliveryReceipt(verifying: receipt, for: envelope, from: latvia.id, key: latvia.keys.signing.publicKey)
        #expect(throws: ProtocolError.self) {
            try DeliveryReceipt(verifying: receipt, for: envelope, from: lithuania.id, key: lithuania.keys.signing.publicKey)
        }
        #expect(throws: ProtocolError.badSignature) {
            try DeliveryReceipt(verifying: receipt, for: envelope, from: latvia.id, key: estonia.keys.signing.publicKey)
        }
    }
}

@Suite("Published test vectors (docs/test-vectors)")
struct TestVectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/test-vectors/envelope-v1.json")
        .standardized

    /// `ENTENTE_WRITE_TEST_VECTORS=1 swift test --filter TestVectorTests` regenerates the file.
    @Test func envelopeVector() throws {
        if ProcessInfo.processInfo.environment["ENTENTE_WRITE_TEST_VECTORS"] == "1" {
            let envelope = try Envelope.seal(
                payload: payload,
                type: "hotline.message",
                from: estonia.id,
                signingKey: estonia.keys.signing,
                to: [(latvia.id, latvia.keys.agreement.publicKey)],
                tlp: .amber,
                exercise: true,
                id: "01937b6e-7c00-7000-8000-000000000001",
                createdAt: "2026-11-22T12:00:00.000Z"
            )
            let vector: JSONValue = [
                "description":
                    "An Entente v1 envelope from EST to LVA. Verify the signature with EST's signing key over signedBytes (the RFC 8785 form of the envelope without its signature), then open it with LVA's X25519 private key; the content is `payload`.",
                "sender": [
                    "id": "EST", "signingPublicKey": .string(Base64URL.encode(estonia.keys.signing.publicKey.rawRepresentation)),
                    "agreementPublicKey": .string(Base64URL.encode(estonia.keys.agreement.publicKey.rawRepresentation)),
                    "fingerprint": .string(estonia.keys.publicKeys.fingerprint.description),
                ],
                "recipient": [
                    "id": "LVA", "agreementPrivateKey": .string(Base64URL.encode(latvia.keys.agreement.rawRepresentation)),
                    "agreementPublicKey": .string(Base64URL.encode(latvia.keys.agreement.publicKey.rawRepresentation)),
                ],
                "payload": payload,
                "signedBytes": .string(envelope.unsignedJSON.canonicalString),
                "contentAssociatedData": .string(envelope.header.canonicalString),
                "envelope": envelope.json,
            ]
            try Data(vector.canonicalBytes).write(to: Self.file)
        }
        let vector = try JSONValue(parsing: Data(contentsOf: Self.file))
        let envelope = try Envelope(json: try #require(vector["envelope"]))
        func key(_ party: String, _ name: String) throws -> Data {
            try #require(vector[party]?[name]?.stringValue.flatMap(Base64URL.decode))
        }
        let signingKey = try Curve25519.Signing.PublicKey(rawRepresentation: key("sender", "signingPublicKey"))
        let agreementPublic = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: key("sender", "agreementPublicKey"))
        #expect(envelope.unsignedJSON.canonicalString == vector["signedBytes"]?.stringValue)
        #expect(envelope.header.canonicalString == vector["contentAssociatedData"]?.stringValue)
        try envelope.verifySignature(with: signingKey)
        let recipientKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: key("recipient", "agreementPrivateKey"))
        #expect(try envelope.open(as: latvia.id, with: recipientKey) == vector["payload"])
        #expect(PublicKeys(signing: signingKey, agreement: agreementPublic).fingerprint.description == vector["sender"]?["fingerprint"]?.stringValue)
    }
}
