import Crypto
import Foundation

/// C2SP tlog-checkpoint: the body of a signed note that commits a log to its tree of `size` leaves with `root`.
///
///     entente/EST
///     1204
///     CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
public struct Checkpoint: Sendable, Equatable {
    /// Names the log; the log's signing key has this name.
    public let origin: String
    public let size: Int
    public let root: MerkleHash
    /// Lines after the root; witnesses cosign them but vouch only for the first three.
    public let extensions: [String]

    public init(origin: String, size: Int, root: MerkleHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note text: origin, size, base64 root, extension lines, each ending in a newline.
    public var text: String {
        ([origin, String(size), Data(root).base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw .malformed("a checkpoint ends in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else { throw .malformed("a checkpoint has an origin, a size and a root hash") }
        guard KeyName.isValid(lines[0]) else { throw .malformed("“\(lines[0])” is not a log origin") }
        guard let size = Int(lines[1]), size >= 0, String(size) == lines[1] else {
            throw .malformed("a checkpoint's size is a decimal with no leading zeroes")
        }
        guard let root = Data(base64Encoded: String(lines[2])), root.count == Merkle.hashSize else {
            throw .malformed("a checkpoint's root is the base64 of 32 bytes")
        }
        guard lines.dropFirst(3).allSatisfy({ !$0.isEmpty }) else { throw .malformed("a checkpoint has no empty lines") }
        self.init(origin: String(lines[0]), size: size, root: Array(root), extensions: lines.dropFirst(3).map(String.init))
    }
}

/// A checkpoint as a signed note: what `GET /tlog/checkpoint` serves, with the log's signature and the
/// cosignatures its witnesses returned.
public struct SignedCheckpoint: Sendable, Equatable {
    public let checkpoint: Checkpoint
    public let note: SignedNote

    public init(_ checkpoint: Checkpoint, signedBy log: NoteSigner) throws {
        self.checkpoint = checkpoint
        note = try SignedNote(text: checkpoint.text).signed(by: log)
    }

    public init(parsing text: String) throws(NoteError) {
        note = try SignedNote(parsing: text)
        checkpoint = try Checkpoint(text: note.text)
    }

    init(checkpoint: Checkpoint, note: SignedNote) {
        self.checkpoint = checkpoint
        self.note = note
    }

    /// Whether `log` signed it: a verifier whose name is the origin. A signature by that key that does not
    /// verify is a forgery (`NoteError.badSignature`); a note without one is unsigned.
    public func verify(log: NoteVerifier) throws(NoteError) {
        guard log.name == checkpoint.origin else { throw .malformed("the log key \(log.name) is not that of \(checkpoint.origin)") }
        guard try note.verified(by: [log]).isEmpty == false else { throw .unsigned(log.name) }
    }

    /// The cosignatures by `witnesses` that verify, with their times. A known witness key whose cosignature
    /// fails makes the note a forgery.
    public func cosignatures(by witnesses: [CosignerKey]) throws(NoteError) -> [(witness: CosignerKey, time: Date)] {
        var found: [(witness: CosignerKey, time: Date)] = []
        for signature in note.signatures {
            guard let witness = witnesses.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard let time = witness.verify(signature, on: checkpoint) else { throw .badSignature(witness.name) }
            if !found.contains(where: { $0.witness == witness }) { found.append((witness, time)) }
        }
        return found
    }

    /// The checkpoint with more signature lines (cosignatures returned by a witness), none repeated.
    public func adding(_ signatures: [SignedNote.Signature]) -> SignedCheckpoint {
        var all = note.signatures
        for signature in signatures where !all.contains(signature) { all.append(signature) }
        return SignedCheckpoint(checkpoint: checkpoint, note: SignedNote(text: note.text, signatures: all))
    }

    public var serialized: String { note.serialized }

    /// The checkpoint with the log's own signatures only (those under its origin's name): what a log sends a witness.
    public var withoutCosignatures: SignedCheckpoint {
        SignedCheckpoint(
            checkpoint: checkpoint,
            note: SignedNote(text: note.text, signatures: note.signatures.filter { $0.name == checkpoint.origin })
        )
    }
}

/// A witness's Ed25519 cosigning key (C2SP tlog-cosignature v1): a name and a public key, with a key ID
/// computed with the cosignature's own algorithm byte, so a cosignature is never taken for a log's signature.
public struct CosignerKey: Ed25519VerifierKey {
    public static let algorithm: UInt8 = 0x04
    public static let kindName = "a witness key"

    public let name: String
    public let key: Curve25519.Signing.PublicKey
    public let keyID: UInt32

    public init(validName name: String, key: Curve25519.Signing.PublicKey) {
        self.name = name
        self.key = key
        keyID = Self.keyID(name: name, key: key)
    }

    /// `cosignature/v1`, the time line, then the checkpoint's text.
    static func message(_ checkpoint: Checkpoint, time: UInt64) -> Data {
        Data("cosignature/v1\ntime \(time)\n\(checkpoint.text)".utf8)
    }

    /// When the cosignature was made, if it is this key's over `checkpoint`.
    func verify(_ signature: SignedNote.Signature, on checkpoint: Checkpoint) -> Date? {
        guard signature.bytes.count == 8 + 64 else { return nil }
        let time = signature.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard time < 1 << 63, key.isValidSignature(signature.bytes.dropFirst(8), for: Self.message(checkpoint, time: time)) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(time))
    }
}

/// The private half of a witness key: cosigns checkpoints.
public struct Cosigner: Sendable {
    public let key: CosignerKey
    let signingKey: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey) throws(NoteError) {
        self.key = try CosignerKey(name: name, key: key.publicKey)
        signingKey = key
    }

    /// A timestamped cosignature line's signature: the time (whole seconds, big-endian) then Ed25519 over the message.
    public func cosign(_ checkpoint: Checkpoint, at now: Date) throws -> SignedNote.Signature {
        let time = UInt64(max(0, now.timeIntervalSince1970.rounded(.down)))
        let signature = try signingKey.signature(for: CosignerKey.message(checkpoint, time: time))
        return SignedNote.Signature(name: key.name, keyID: key.keyID, bytes: withUnsafeBytes(of: time.bigEndian, Array.init) + Array(signature))
    }
}
