import Crypto
import Foundation

/// A node's public keys: Ed25519 to sign, X25519 to receive HPKE-encrypted content.
public struct PublicKeys: Sendable, Equatable {
    public let signing: Curve25519.Signing.PublicKey
    public let agreement: Curve25519.KeyAgreement.PublicKey

    public init(signing: Curve25519.Signing.PublicKey, agreement: Curve25519.KeyAgreement.PublicKey) {
        self.signing = signing
        self.agreement = agreement
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.signing.rawRepresentation == rhs.signing.rawRepresentation
            && lhs.agreement.rawRepresentation == rhs.agreement.rawRepresentation
    }

    public var fingerprint: Fingerprint { Fingerprint(of: self) }

    /// `{"agreement": b64url, "signing": b64url}`, as in descriptors and rotation statements.
    public var json: JSONValue {
        [
            "signing": .string(Base64URL.encode(signing.rawRepresentation)),
            "agreement": .string(Base64URL.encode(agreement.rawRepresentation)),
        ]
    }

    public init(json: JSONValue) throws(ProtocolError) {
        guard let members = json.objectValue, Set(members.keys) == ["signing", "agreement"],
            let signing = members["signing"]?.stringValue.flatMap(Base64URL.decode),
            let agreement = members["agreement"]?.stringValue.flatMap(Base64URL.decode),
            let signingKey = try? Curve25519.Signing.PublicKey(rawRepresentation: signing),
            let agreementKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: agreement)
        else { throw ProtocolError.malformed("keys must be {signing, agreement}, each 32 bytes in base64url") }
        self.init(signing: signingKey, agreement: agreementKey)
    }
}

/// A node's private keys. They never leave the node's data directory.
public struct NodeKeys: Sendable {
    public let signing: Curve25519.Signing.PrivateKey
    public let agreement: Curve25519.KeyAgreement.PrivateKey

    public init(signing: Curve25519.Signing.PrivateKey = .init(), agreement: Curve25519.KeyAgreement.PrivateKey = .init()) {
        self.signing = signing
        self.agreement = agreement
    }

    public var publicKeys: PublicKeys { PublicKeys(signing: signing.publicKey, agreement: agreement.publicKey) }

    /// The key file's content: both private keys in base64url, one JSON object.
    public var fileContent: JSONValue {
        [
            "signing": .string(Base64URL.encode(signing.rawRepresentation)),
            "agreement": .string(Base64URL.encode(agreement.rawRepresentation)),
        ]
    }

    public init(fileContent: JSONValue) throws(ProtocolError) {
        guard let signing = fileContent["signing"]?.stringValue.flatMap(Base64URL.decode),
            let agreement = fileContent["agreement"]?.stringValue.flatMap(Base64URL.decode),
            let signingKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: signing),
            let agreementKey = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: agreement)
        else { throw ProtocolError.malformed("key file must hold {signing, agreement} private keys in base64url") }
        self.init(signing: signingKey, agreement: agreementKey)
    }
}

/// What two people compare aloud to be sure they pinned the same node:
/// SHA-256 over the two raw public keys (signing, then agreement), shown as
/// six groups of five digits, each group a 40-bit chunk of the hash mod 100000.
public struct Fingerprint: Sendable, Hashable, CustomStringConvertible {
    public let digits: String

    public init(of keys: PublicKeys) {
        let hash = Array(SHA256.hash(data: keys.signing.rawRepresentation + keys.agreement.rawRepresentation))
        var groups: [String] = []
        for group in 0..<6 {
            let chunk = hash[(group * 5)..<(group * 5 + 5)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let number = String(chunk % 100_000)
            groups.append(String(repeating: "0", count: 5 - number.count) + number)
        }
        digits = groups.joined()
    }

    /// Accepts the fingerprint as people type it: spaces and dashes are ignored.
    public init?(_ text: String) {
        let digits = text.filter { $0 != " " && $0 != "-" }
        guard digits.count == 30, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        self.digits = digits
    }

    /// `12345 67890 12345 67890 12345 67890`
    public var description: String {
        stride(from: 0, to: 30, by: 5).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start..<digits.index(start, offsetBy: 5)])
        }.joined(separator: " ")
    }
}
