import Crypto
import Foundation

/// The unit of all node-to-node traffic (docs/PROTOCOL.md, "Envelopes").
///
/// The content is encrypted once under a fresh ChaCha20-Poly1305 key; that key is
/// sealed to each recipient with HPKE (RFC 9180, base mode,
/// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305). The sender signs
/// the whole envelope with Ed25519 over its RFC 8785 canonical form.
public struct Envelope: Sendable, Equatable {
    public static let version: Int64 = 1
    /// Largest envelope a node accepts, in bytes of its JSON encoding.
    public static let maximumSize = 1 << 20
    static let contentKeyInfo = Data("entente/1 content-key".utf8)
    static let ciphersuite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly

    /// The recipient's share of the content key: HPKE's encapsulated key and the sealed content key.
    public struct SealedKey: Sendable, Equatable {
        public var encapsulatedKey: Data
        public var sealedContentKey: Data
    }

    public var id: String
    public var type: String
    public var sender: ParticipantID
    public var recipients: [ParticipantID]
    public var createdAt: String
    public var tlp: TLP
    public var exercise: Bool
    public var keys: [ParticipantID: SealedKey]
    public var ciphertext: Data
    public var signature: Data

    /// The members that are authenticated as associated data of the content encryption.
    var header: JSONValue {
        [
            "v": .number(Double(Self.version)),
            "id": .string(id),
            "type": .string(type),
            "from": .string(sender.rawValue),
            "to": .array(recipients.map { .string($0.rawValue) }),
            "createdAt": .string(createdAt),
            "tlp": .string(tlp.rawValue),
            "exercise": .bool(exercise),
        ]
    }

    var unsignedJSON: JSONValue {
        guard case .object(var members) = header else { preconditionFailure("header is an object") }
        members["keys"] = .object(
            Dictionary(
                uniqueKeysWithValues: keys.map { recipient, sealed in
                    (
                        recipient.rawValue,
                        [
                            "enc": .string(Base64URL.encode(sealed.encapsulatedKey)),
                            "key": .string(Base64URL.encode(sealed.sealedContentKey)),
                        ] as JSONValue
                    )
                }
            )
        )
        members["ciphertext"] = .string(Base64URL.encode(ciphertext))
        return .object(members)
    }

    /// The envelope as it goes on the wire.
    public var json: JSONValue {
        guard case .object(var members) = unsignedJSON else { preconditionFailure("envelope is an object") }
        members["signature"] = .string(Base64URL.encode(signature))
        return .object(members)
    }

    public var wireBytes: [UInt8] { json.canonicalBytes }

    /// SHA-256 of the canonical envelope, base64url: what a delivery receipt refers to.
    public var digest: String { Base64URL.encode(Array(SHA256.hash(data: wireBytes))) }

    /// Encrypts `payload` to `recipients` and signs the result.
    public static func seal(
        payload: JSONValue,
        type: String,
        from sender: ParticipantID,
        signingKey: Curve25519.Signing.PrivateKey,
        to recipients: [(id: ParticipantID, key: Curve25519.KeyAgreement.PublicKey)],
        tlp: TLP,
        exercise: Bool,
        id: String = UUIDv7.string(UUIDv7.generate()),
        createdAt: String = Timestamp.format(Date())
    ) throws -> Envelope {
        guard !recipients.isEmpty else { throw ProtocolError.malformed("an envelope needs at least one recipient") }
        var envelope = Envelope(
            id: id,
            type: type,
            sender: sender,
            recipients: recipients.map(\.id).sorted(),
            createdAt: createdAt,
            tlp: tlp,
            exercise: exercise,
            keys: [:],
            ciphertext: Data(),
            signature: Data()
        )
        let contentKey = SymmetricKey(size: .bits256)
        let contentKeyBytes = contentKey.withUnsafeBytes { Data($0) }
        for recipient in recipients {
            var hpke = try HPKE.Sender(recipientKey: recipient.key, ciphersuite: ciphersuite, info: contentKeyInfo)
            let sealed = try hpke.seal(contentKeyBytes, authenticating: Data(id.utf8))
            envelope.keys[recipient.id] = SealedKey(encapsulatedKey: hpke.encapsulatedKey, sealedContentKey: sealed)
        }
        envelope.ciphertext = try ChaChaPoly.seal(
            Data(payload.canonicalBytes),
            using: contentKey,
            authenticating: Data(envelope.header.canonicalBytes)
        ).combined
        envelope.signature = try signingKey.signature(for: Data(envelope.unsignedJSON.canonicalBytes))
        return envelope
    }

    /// Reads the structure of an envelope; checks nothing cryptographic yet.
    public init(json: JSONValue) throws(ProtocolError) {
        guard let members = json.objectValue else { throw .malformed("envelope must be a JSON object") }
        guard let version = json["v"]?.integerValue else { throw .malformed("missing v") }
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let known: Set<String> = ["v", "id", "type", "from", "to", "createdAt", "tlp", "exercise", "keys", "ciphertext", "signature"]
        if let unknown = Set(members.keys).subtracting(known).sorted().first { throw .malformed("unknown member \(unknown)") }
        guard let encodedSignature = json["signature"] else { throw .unsigned }
        guard let id = json["id"]?.stringValue, UUIDv7.isValid(id) else { throw .malformed("id must be a lowercase UUIDv7") }
        guard let type = json["type"]?.stringValue, !type.isEmpty, type.utf8.count <= 64 else { throw .malformed("invalid type") }
        guard let sender = json["from"]?.stringValue.flatMap(ParticipantID.init) else { throw .malformed("invalid from") }
        guard let recipientList = json["to"]?.arrayValue, !recipientList.isEmpty, recipientList.count <= 256 else {
            throw .malformed("to must list 1 to 256 recipients")
        }
        let recipients = recipientList.compactMap { $0.stringValue.flatMap(ParticipantID.init) }
        guard recipients.count == recipientList.count, Set(recipients).count == recipients.count, recipients == recipients.sorted() else {
            throw .malformed("to must be sorted, distinct participant ids")
        }
        guard let createdAt = json["createdAt"]?.stringValue, Timestamp.milliseconds(createdAt) != nil else {
            throw .malformed("createdAt must be an RFC 3339 UTC timestamp with milliseconds")
        }
        guard let tlp = json["tlp"]?.stringValue.flatMap(TLP.init(rawValue:)) else { throw .malformed("invalid tlp") }
        guard let exercise = json["exercise"]?.boolValue else { throw .malformed("exercise must be a boolean") }
        guard let keyMembers = json["keys"]?.objectValue, Set(keyMembers.keys) == Set(recipients.map(\.rawValue)) else {
            throw .malformed("keys must hold exactly one entry per recipient")
        }
        var keys: [ParticipantID: SealedKey] = [:]
        for recipient in recipients {
            let entry = keyMembers[recipient.rawValue]!
            guard let enc = entry["enc"]?.stringValue.flatMap(Base64URL.decode),
                let key = entry["key"]?.stringValue.flatMap(Base64URL.decode), entry.objectValue?.count == 2
            else { throw .malformed("keys.\(recipient) must be {enc, key} in base64url") }
            keys[recipient] = SealedKey(encapsulatedKey: enc, sealedContentKey: key)
        }
        guard let ciphertext = json["ciphertext"]?.stringValue.flatMap(Base64URL.decode), ciphertext.count >= 28 else {
            throw .malformed("ciphertext must be base64url ChaCha20-Poly1305 (nonce, ciphertext, tag)")
        }
        guard let signature = encodedSignature.stringValue.flatMap(Base64URL.decode), signature.count == 64 else {
            throw .malformed("signature must be 64 bytes in base64url")
        }
        self.init(
            id: id,
            type: type,
            sender: sender,
            recipients: recipients,
            createdAt: createdAt,
            tlp: tlp,
            exercise: exercise,
            keys: keys,
            ciphertext: ciphertext,
            signature: signature
        )
    }

    /// Parses wire bytes, enforcing the size limit before anything else.
    public init(wireBytes: some Collection<UInt8>) throws(ProtocolError) {
        guard wireBytes.count <= Self.maximumSize else { throw .tooLarge(limit: Self.maximumSize) }
        let json: JSONValue
        do { json = try JSONValue(parsing: wireBytes) } catch { throw .malformed(error.description) }
        try self.init(json: json)
    }

    public func verifySignature(with key: Curve25519.Signing.PublicKey) throws(ProtocolError) {
        guard key.isValidSignature(signature, for: Data(unsignedJSON.canonicalBytes)) else { throw .badSignature }
    }

    /// Decrypts the content as `recipient`. Call only after `verifySignature`.
    public func open(as recipient: ParticipantID, with key: Curve25519.KeyAgreement.PrivateKey) throws(ProtocolError) -> JSONValue {
        guard let sealed = keys[recipient] else { throw .notAddressedToThisNode(recipient.rawValue) }
        let plaintext: Data
        do {
            var hpke = try HPKE.Recipient(
                privateKey: key,
                ciphersuite: Self.ciphersuite,
                info: Self.contentKeyInfo,
                encapsulatedKey: sealed.encapsulatedKey
            )
            let contentKey = SymmetricKey(data: try hpke.open(sealed.sealedContentKey, authenticating: Data(id.utf8)))
            plaintext = try ChaChaPoly.open(
                ChaChaPoly.SealedBox(combined: ciphertext),
                using: contentKey,
                authenticating: Data(header.canonicalBytes)
            )
        } catch {
            throw .undecryptable
        }
        do { return try JSONValue(parsing: plaintext) } catch { throw .malformed("content: \(error.description)") }
    }

    init(
        id: String,
        type: String,
        sender: ParticipantID,
        recipients: [ParticipantID],
        createdAt: String,
        tlp: TLP,
        exercise: Bool,
        keys: [ParticipantID: SealedKey],
        ciphertext: Data,
        signature: Data
    ) {
        self.id = id
        self.type = type
        self.sender = sender
        self.recipients = recipients
        self.createdAt = createdAt
        self.tlp = tlp
        self.exercise = exercise
        self.keys = keys
        self.ciphertext = ciphertext
        self.signature = signature
    }
}

/// The receiving node's signed statement that it verified and stored an envelope.
public struct DeliveryReceipt: Sendable, Equatable {
    public static let type = "entente.receipt"
    public var envelopeID: String
    public var digest: String
    public var recipient: ParticipantID
    public var receivedAt: String

    public init(envelopeID: String, digest: String, recipient: ParticipantID, receivedAt: String) {
        self.envelopeID = envelopeID
        self.digest = digest
        self.recipient = recipient
        self.receivedAt = receivedAt
    }

    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> JSONValue {
        try DocumentSignature.sign(
            [
                "type": .string(Self.type),
                "envelope": .string(envelopeID),
                "digest": .string(digest),
                "recipient": .string(recipient.rawValue),
                "receivedAt": .string(receivedAt),
            ],
            with: key
        )
    }

    /// Reads a receipt and verifies it was signed by the recipient's key for this very envelope.
    public init(
        verifying document: JSONValue,
        for envelope: Envelope,
        from recipient: ParticipantID,
        key: Curve25519.Signing.PublicKey
    ) throws(ProtocolError) {
        guard document["type"]?.stringValue == Self.type else { throw .malformed("not a receipt") }
        guard document["envelope"]?.stringValue == envelope.id, document["digest"]?.stringValue == envelope.digest,
            document["recipient"]?.stringValue == recipient.rawValue
        else { throw .malformed("receipt does not match the envelope it answers") }
        guard let receivedAt = document["receivedAt"]?.stringValue, Timestamp.milliseconds(receivedAt) != nil else {
            throw .malformed("invalid receivedAt")
        }
        try DocumentSignature.verify(document, with: key)
        self.init(envelopeID: envelope.id, digest: envelope.digest, recipient: recipient, receivedAt: receivedAt)
    }
}
