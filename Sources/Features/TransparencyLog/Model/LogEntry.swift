import Crypto
import Foundation

/// One entry of a node's log: that a document of `kind` with this SHA-256 digest was signed or accepted here.
///
/// The entry names the document by digest only, so the log shows that something was said and (by the
/// witnessed checkpoints that cover it) when, never what: content and TLP stay with the document. Anyone
/// holding the document recomputes its entry, so an exported document needs only its index and proof.
///
///     case-event 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
public struct LogEntry: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// An envelope this node sent or accepted, as its canonical bytes travelled.
        case envelope
        case caseEvent = "case-event"
        /// Proposals, amendments, calls, ballots, results, agreements, commitments, allegations.
        case recordEntry = "record-entry"
        /// A joint statement as this node exported it, its co-signatures included.
        case jointStatement = "joint-statement"
        /// An agreement in force as this node exported it, every party's signature included.
        case agreement
        /// A signed node descriptor: this node's own versions and every peer descriptor it pinned or accepted.
        case descriptor
        /// The old keys' signature over new ones.
        case keyRotation = "key-rotation"
    }

    public let kind: Kind
    public let digest: MerkleHash

    public init(kind: Kind, digest: MerkleHash) {
        precondition(digest.count == Merkle.hashSize)
        self.kind = kind
        self.digest = digest
    }

    /// The entry of `document`'s bytes (canonical JSON for every kind).
    public init(kind: Kind, document: some DataProtocol) {
        self.init(kind: kind, digest: Array(SHA256.hash(data: document)))
    }

    /// `<kind> <lowercase hex digest>`: the bytes the log hashes as the leaf.
    public var description: String { "\(kind.rawValue) \(digest.hex)" }

    public var bytes: [UInt8] { Array(description.utf8) }

    public var leafHash: MerkleHash { Merkle.leafHash(bytes) }

    public init(parsing bytes: some Collection<UInt8>) throws(LogEntryError) {
        guard bytes.count <= 128, let text = String(bytes: bytes, encoding: .utf8) else { throw .malformed }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), let digest = MerkleHash(hex: parts[1]), digest.count == Merkle.hashSize
        else { throw .malformed }
        self.init(kind: kind, digest: digest)
        guard description == text else { throw .malformed }
    }

    /// An entry bundle (tlog-tiles): each entry as a big-endian 16-bit length and its bytes.
    public static func bundle(_ entries: [[UInt8]]) -> [UInt8] {
        entries.flatMap { withUnsafeBytes(of: UInt16($0.count).bigEndian, Array.init) + $0 }
    }

    /// The entries of a bundle, which must be exactly `count` entries.
    public static func entries(ofBundle bundle: [UInt8], count: Int) throws(LogEntryError) -> [[UInt8]] {
        var entries: [[UInt8]] = []
        var position = 0
        while position < bundle.count {
            guard position + 2 <= bundle.count else { throw .malformedBundle }
            let length = Int(bundle[position]) << 8 | Int(bundle[position + 1])
            position += 2
            guard position + length <= bundle.count else { throw .malformedBundle }
            entries.append(Array(bundle[position..<position + length]))
            position += length
        }
        guard entries.count == count else { throw .malformedBundle }
        return entries
    }
}

public enum LogEntryError: Error, Equatable, CustomStringConvertible {
    case malformed
    case malformedBundle

    public var description: String {
        switch self {
        case .malformed: "a log entry is “<kind> <64 hex digits>”, the kind one of \(LogEntry.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
        case .malformedBundle: "an entry bundle is entries each after its 16-bit big-endian length, as many as its tile is wide"
        }
    }
}

extension [UInt8] {
    /// Lowercase hexadecimal.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: count * 2) { buffer in
            for (position, byte) in enumerated() {
                buffer[2 * position] = digits[Int(byte >> 4)]
                buffer[2 * position + 1] = digits[Int(byte & 0x0F)]
            }
            return count * 2
        }
    }

    /// From lowercase hexadecimal digits only (one spelling per value).
    public init?(hex: some StringProtocol) {
        // Tiles are 16 KiB of digits: read them from contiguous storage, not character by character.
        let fast = hex.utf8.withContiguousStorageIfAvailable { Self.bytes(hexDigits: $0) }
        guard let bytes = fast ?? Array(hex.utf8).withUnsafeBufferPointer({ Self.bytes(hexDigits: $0) }) else { return nil }
        self = bytes
    }

    private static func bytes(hexDigits digits: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit &- UInt8(ascii: "a") &+ 10
            default: nil
            }
        }
        var bytes = [UInt8](repeating: 0, count: digits.count / 2)
        for index in bytes.indices {
            guard let high = value(digits[2 * index]), let low = value(digits[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        return bytes
    }
}

/// How Entente names a node's log and its witness: by the node's participant id, so that the names, like the
/// keys, follow from the pins.
public enum LogNames {
    /// The log's origin, and its key's name: `entente/EST`.
    public static func origin(of participant: String) -> String { "entente/\(participant)" }

    /// The name the node cosigns its peers' checkpoints under: `entente/EST/witness`.
    public static func witness(of participant: String) -> String { "entente/\(participant)/witness" }

    /// The participant whose log `origin` names, if it names one.
    public static func participant(ofOrigin origin: String) -> String? {
        origin.hasPrefix("entente/") && !origin.dropFirst(8).contains("/") ? String(origin.dropFirst(8)) : nil
    }
}
