import Crypto
import EntenteProtocol
import Foundation

/// A joint statement co-signed by several participants, exported as one file
/// that anyone can verify offline (`entente verify FILE`; docs/PROTOCOL.md,
/// "Joint statements"). The file is the RFC 8785 canonical form of the
/// document, so every byte of it is either signed or checked for canonical form.
public struct JointStatement: Sendable, Equatable {
    public static let documentType = "entente.joint-statement"
    static let signatureType = "entente.joint-statement-signature"

    public struct Signature: Sendable, Equatable {
        public let participant: ParticipantID
        public let keys: PublicKeys
        public let signature: Data

        public init(participant: ParticipantID, keys: PublicKeys, signature: Data) {
            self.participant = participant
            self.keys = keys
            self.signature = signature
        }
    }

    /// The statement as signed: everything but the signatures.
    public let body: JSONValue
    public let signatures: [Signature]

    public var title: String { body["title"]?.stringValue ?? "" }
    public var text: String { body["text"]?.stringValue ?? "" }

    /// The signed content of a statement proposed in a case.
    public static func body(of record: CaseState.StatementRecord, in state: CaseState) throws -> JSONValue {
        var members: [String: JSONValue] = [
            "type": .string(documentType),
            "v": 1,
            "case": .string(state.id),
            "caseTitle": .string(state.title),
            "statement": .string(record.event.id),
            "title": .string(record.statement.title),
            "text": .string(record.statement.text),
            "proposedBy": .string(record.event.author.rawValue),
            "proposedAt": .string(record.event.at),
            "exercise": .bool(state.exercise),
        ]
        if let reference = record.statement.attribution, let assessment = state.attribution(reference) {
            guard case .object(var attribution) = try JSONValue(encoding: assessment.attribution) else { preconditionFailure("an object") }
            attribution["assessedBy"] = .string(assessment.event.author.rawValue)
            members["attribution"] = .object(attribution)
        }
        return .object(members)
    }

    /// What each signer signs: the statement together with its own id and keys, so a
    /// signature cannot be moved to another name and the fingerprint shown is the signer's.
    public static func signingBytes(body: JSONValue, signer: ParticipantID, keys: PublicKeys) -> [UInt8] {
        JSONValue.object([
            "type": .string(signatureType), "statement": body, "signer": .string(signer.rawValue), "keys": keys.json,
        ]).canonicalBytes
    }

    public static func sign(body: JSONValue, as signer: ParticipantID, with keys: NodeKeys) throws -> String {
        Base64URL.encode(try keys.signing.signature(for: Data(signingBytes(body: body, signer: signer, keys: keys.publicKeys))))
    }

    public static func isValid(signature: Data, body: JSONValue, signer: ParticipantID, keys: PublicKeys) -> Bool {
        keys.signing.isValidSignature(signature, for: Data(signingBytes(body: body, signer: signer, keys: keys)))
    }

    public init(body: JSONValue, signatures: [Signature]) {
        self.body = body
        self.signatures = signatures.sorted { $0.participant < $1.participant }
    }

    /// The exported file's content.
    public var document: JSONValue {
        guard case .object(var members) = body else { preconditionFailure("a statement body is an object") }
        members["signatures"] = .array(
            signatures.map { signature in
                [
                    "participant": .string(signature.participant.rawValue),
                    "keys": signature.keys.json,
                    "signature": .string(Base64URL.encode(signature.signature)),
                ]
            }
        )
        return .object(members)
    }

    public var fileBytes: [UInt8] { document.canonicalBytes }

    /// Reads an exported statement and verifies every signature in it; any altered byte fails.
    public init(verifying bytes: some Collection<UInt8>) throws(DocumentError) {
        guard bytes.count <= 1 << 20 else { throw .invalid("a joint statement file is at most 1 MiB") }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .invalid("not JSON: \(error.description)") }
        guard json.canonicalBytes.elementsEqual(bytes) else {
            throw .invalid("the file is not in RFC 8785 canonical form: it was altered after export")
        }
        guard json["type"]?.stringValue == Self.documentType, json["v"]?.integerValue == 1 else { throw .invalid("not a version 1 joint statement") }
        guard let list = json["signatures"]?.arrayValue, !list.isEmpty else { throw .invalid("the statement carries no signatures") }
        let body = json.removing("signatures")
        var signatures: [Signature] = []
        for entry in list {
            guard entry.objectValue?.count == 3, let participant = entry["participant"]?.stringValue.flatMap(ParticipantID.init),
                let keysJSON = entry["keys"], let keys = try? PublicKeys(json: keysJSON),
                let signature = entry["signature"]?.stringValue.flatMap(Base64URL.decode), signature.count == 64
            else { throw .invalid("each signature must be {participant, keys, signature}") }
            guard Self.isValid(signature: signature, body: body, signer: participant, keys: keys) else {
                throw .invalid("the signature of \(participant) does not verify: the statement or the signature was altered")
            }
            signatures.append(Signature(participant: participant, keys: keys, signature: signature))
        }
        let participants = signatures.map(\.participant)
        guard participants == participants.sorted(), Set(participants).count == participants.count else {
            throw .invalid("signatures must be sorted by participant, one each")
        }
        self.init(body: body, signatures: signatures)
    }
}
