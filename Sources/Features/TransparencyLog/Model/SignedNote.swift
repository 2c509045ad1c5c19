import Crypto
import Foundation

/// C2SP signed-note v1: a UTF-8 text ending in a newline, then a blank line, then one line per signature,
/// `— <key name> <base64(key ID ‖ signature)>`. Checkpoints and cosignatures are signed notes, so any tool
/// that reads Go's `sumdb/note` reads this node's log.
public struct SignedNote: Sendable, Equatable {
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyID: UInt32
        public let bytes: [UInt8]

        public init(name: String, keyID: UInt32, bytes: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        /// `— <name> <base64(key ID ‖ signature)>` and a newline.
        public var line: String {
            "— \(name) \(Data(withUnsafeBytes(of: keyID.bigEndian, Array.init) + bytes).base64EncodedString())\n"
        }

        /// Signature lines as a witness returns them (tlog-witness): each `— NAME BASE64` and a newline; none
        /// in an empty text.
        public static func parseLines(_ text: String) throws(NoteError) -> [Signature] {
            guard !text.isEmpty else { return [] }
            guard text.hasSuffix("\n") else { throw .malformed("signature lines end in a newline") }
            return try text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map { line throws(NoteError) in
                try Signature(line: line)
            }
        }

        init(line: Substring) throws(NoteError) {
            guard line.hasPrefix("— ") else { throw .malformed("a signature line starts with an em dash and a space") }
            let parts = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, KeyName.isValid(parts[0]), let decoded = Data(base64Encoded: String(parts[1])), decoded.count > 4 else {
                throw .malformed("a signature line is “— NAME BASE64”")
            }
            let keyID = decoded.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            self.init(name: String(parts[0]), keyID: keyID, bytes: Array(decoded.dropFirst(4)))
        }
    }

    /// The signed text, its final newline included.
    public let text: String
    public let signatures: [Signature]

    /// Notes larger than this are refused unread: a checkpoint with its cosignatures is well under 2 KiB.
    public static let maximumSize = 1 << 20
    /// The most signature lines a note may carry (Go's note package allows 100).
    public static let maximumSignatures = 100

    public init(text: String, signatures: [Signature] = []) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as it travels.
    public var serialized: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    public init(parsing note: String) throws(NoteError) {
        guard note.utf8.count <= Self.maximumSize else { throw .tooLarge }
        guard note.unicodeScalars.allSatisfy({ $0 == "\n" || !($0.properties.generalCategory == .control) }) else {
            throw .malformed("a note holds no control characters but newlines")
        }
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw .malformed("no blank line before the signatures") }
        let text = String(note[..<split.lowerBound]) + "\n"
        let block = note[split.upperBound...]
        guard block.hasSuffix("\n") else { throw .malformed("the last signature line does not end in a newline") }
        let signatures = try Signature.parseLines(String(block))
        guard !signatures.isEmpty else { throw .malformed("a signed note has at least one signature") }
        guard signatures.count <= Self.maximumSignatures else { throw .malformed("more than \(Self.maximumSignatures) signatures") }
        self.init(text: text, signatures: signatures)
    }

    /// The signatures that `verifiers` know and that verify. A known key whose signature does not verify
    /// makes the note a forgery, refused; signatures by keys the caller does not know are ignored, as the
    /// spec says, and so is a note none of whose keys are known (an empty answer).
    public func verified(by verifiers: [NoteVerifier]) throws(NoteError) -> [NoteVerifier] {
        var verified: [NoteVerifier] = []
        for signature in signatures {
            guard let verifier = verifiers.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard verifier.key.isValidSignature(signature.bytes, for: Data(text.utf8)) else { throw .badSignature(verifier.name) }
            if !verified.contains(verifier) { verified.append(verifier) }
        }
        return verified
    }

    /// The note with one more signature by `signer`.
    public func signed(by signer: NoteSigner) throws -> SignedNote {
        SignedNote(text: text, signatures: signatures + [try signer.sign(text)])
    }
}

/// A key name: non-empty, no whitespace, no `+` (it separates the parts of a verifier key).
enum KeyName {
    static func isValid(_ name: Substring) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.properties.generalCategory == .control }
    }
}

/// An Ed25519 key under a name, as C2SP signed notes know it: what a log's signatures (`NoteVerifier`,
/// algorithm 0x01) and a witness's cosignatures (`CosignerKey`, 0x04) are checked with. The algorithm byte enters
/// the key ID, so the same key under the same name never stands for both; the two stay distinct types.
public protocol Ed25519VerifierKey: Sendable, Equatable, CustomStringConvertible {
    static var algorithm: UInt8 { get }
    /// What the key is called in errors: "a verifier key", "a witness key".
    static var kindName: String { get }
    var name: String { get }
    var key: Curve25519.Signing.PublicKey { get }
    var keyID: UInt32 { get }
    /// For a name `KeyName` accepts (`init(name:key:)` checks it); the key ID is always computed, never given.
    init(validName name: String, key: Curve25519.Signing.PublicKey)
}

extension Ed25519VerifierKey {
    public init(name: String, key: Curve25519.Signing.PublicKey) throws(NoteError) {
        guard KeyName.isValid(Substring(name)) else { throw .malformed("“\(name)” is not a key name") }
        self.init(validName: name, key: key)
    }

    /// The first four bytes of SHA-256(name ‖ "\n" ‖ algorithm ‖ key), big-endian.
    public static func keyID(name: String, key: Curve25519.Signing.PublicKey) -> UInt32 {
        let digest = SHA256.hash(data: Array(name.utf8) + [0x0A, algorithm] + key.rawRepresentation)
        return digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// `<name>+<key ID, 8 hex digits>+<base64(algorithm ‖ key)>`, the key ID recomputed and checked.
    public init(parsing text: String) throws(NoteError) {
        // The base64 key may itself hold "+": the name and the key ID end at the first two.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let keyID = UInt32(parts[1], radix: 16),
            let encoded = Data(base64Encoded: String(parts[2])), encoded.count == 33, encoded.first == Self.algorithm,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: encoded.dropFirst())
        else {
            throw .malformed("\(Self.kindName) is NAME+KEYID+BASE64 of the byte \(String(format: "0x%02x", Self.algorithm)) and an Ed25519 key")
        }
        try self.init(name: String(parts[0]), key: key)
        guard self.keyID == keyID else { throw .malformed("the key ID \(parts[1]) is not that of this name and key") }
    }

    public var description: String {
        "\(name)+\(String(format: "%08x", keyID))+\(Data([Self.algorithm] + key.rawRepresentation).base64EncodedString())"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.key.rawRepresentation == rhs.key.rawRepresentation
    }
}

/// A log's Ed25519 note verifier (signed-note v1, algorithm 0x01).
public struct NoteVerifier: Ed25519VerifierKey {
    public static let algorithm: UInt8 = 0x01
    public static let kindName = "a verifier key"

    public let name: String
    public let key: Curve25519.Signing.PublicKey
    public let keyID: UInt32

    public init(validName name: String, key: Curve25519.Signing.PublicKey) {
        self.name = name
        self.key = key
        keyID = Self.keyID(name: name, key: key)
    }
}

/// The private half: signs note texts under a key name.
public struct NoteSigner: Sendable {
    public let verifier: NoteVerifier
    let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey) throws(NoteError) {
        verifier = try NoteVerifier(name: name, key: key.publicKey)
        self.key = key
    }

    func sign(_ text: String) throws -> SignedNote.Signature {
        SignedNote.Signature(name: verifier.name, keyID: verifier.keyID, bytes: Array(try key.signature(for: Data(text.utf8))))
    }
}

public enum NoteError: Error, Equatable, CustomStringConvertible {
    case tooLarge
    case malformed(String)
    /// A key the verifier trusts signed something else than this text.
    case badSignature(String)
    /// The note carries no signature by the key it needs.
    case unsigned(String)

    public var description: String {
        switch self {
        case .tooLarge: "a signed note is at most \(SignedNote.maximumSize) bytes"
        case .malformed(let reason): "not a signed note: \(reason)"
        case .badSignature(let name): "the signature by \(name) does not verify: the note was altered or forged"
        case .unsigned(let name): "the note is not signed by \(name)"
        }
    }
}
