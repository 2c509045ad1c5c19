import Crypto
import Foundation

/// Entente's one signing rule: a signed document is a JSON object whose
/// `signature` member is the base64url Ed25519 signature over the RFC 8785
/// canonical form of the same object without its `signature` member.
public enum DocumentSignature {
    public static func sign(_ document: JSONValue, with key: Curve25519.Signing.PrivateKey) throws -> JSONValue {
        guard case .object(var members) = document.removing("signature") else {
            throw ProtocolError.malformed("only JSON objects can be signed")
        }
        let signature = try key.signature(for: Data(JSONValue.object(members).canonicalBytes))
        members["signature"] = .string(Base64URL.encode(signature))
        return .object(members)
    }

    public static func verify(_ document: JSONValue, with key: Curve25519.Signing.PublicKey) throws(ProtocolError) {
        guard case .object(let members) = document else { throw .malformed("a signed document must be a JSON object") }
        guard let encoded = members["signature"] else { throw .unsigned }
        guard let signature = encoded.stringValue.flatMap(Base64URL.decode), signature.count == 64 else {
            throw .malformed("signature must be 64 bytes in base64url")
        }
        guard key.isValidSignature(signature, for: Data(document.removing("signature").canonicalBytes)) else {
            throw .badSignature
        }
    }
}
