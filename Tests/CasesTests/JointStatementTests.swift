import Cases
import Crypto
import EntenteProtocol
import Foundation
import Testing

@Suite struct JointStatementTests {
    static func exported() throws -> (JointStatement, [UInt8]) {
        let story = try Scenario.fullStory()
        let state = story.state
        let record = try #require(state.statements.first)
        let body = try JointStatement.body(of: record, in: state)
        let signatures = try ["EST", "LVA", "LTU"].map { signer in
            let keys = story.nodeKeys[Scenario.id(signer)]!
            return JointStatement.Signature(
                participant: Scenario.id(signer),
                keys: keys.publicKeys,
                signature: Base64URL.decode(try JointStatement.sign(body: body, as: Scenario.id(signer), with: keys))!
            )
        }
        let statement = JointStatement(body: body, signatures: signatures)
        return (statement, statement.fileBytes)
    }

    @Test func anExportedStatementVerifiesOffline() throws {
        let (statement, bytes) = try Self.exported()
        let verified = try JointStatement(verifying: bytes)
        #expect(verified == statement)
        #expect(verified.signatures.map(\.participant.rawValue) == ["EST", "LTU", "LVA"])
        #expect(verified.body["attribution"]?["likelihood"]?.stringValue == "likely")
        #expect(verified.body["attribution"]?["confidence"]?.stringValue == "moderate")
    }

    /// Every single-byte change anywhere in the file makes verification fail.
    @Test func anyAlteredByteFailsVerification() throws {
        let (_, bytes) = try Self.exported()
        let accepted = bytes.indices.filter { index in
            var altered = bytes
            altered[index] = altered[index] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
            return (try? JointStatement(verifying: altered)) != nil
        }
        #expect(accepted.isEmpty, "altered bytes accepted at offsets \(accepted.prefix(10))")
        #expect(throws: DocumentError.self) { try JointStatement(verifying: bytes.dropLast()) }
        #expect(throws: DocumentError.self) { try JointStatement(verifying: bytes + [UInt8(ascii: "\n")]) }
    }

    @Test func aSignatureCannotBeMovedToAnotherSigner() throws {
        let (statement, _) = try Self.exported()
        let moved = statement.signatures.map { signature in
            JointStatement.Signature(
                participant: signature.participant == Scenario.id("LVA") ? Scenario.id("FIN") : signature.participant,
                keys: signature.keys,
                signature: signature.signature
            )
        }
        #expect(throws: DocumentError.self) { try JointStatement(verifying: JointStatement(body: statement.body, signatures: moved).fileBytes) }
        let dropped = JointStatement(body: statement.body, signatures: Array(statement.signatures.dropFirst()))
        #expect(try JointStatement(verifying: dropped.fileBytes).signatures.count == 2)
    }
}

enum Curve25519Key {
    static func make() -> Curve25519.Signing.PrivateKey { .init() }
}
