import Foundation

/// C2SP tlog-proof: an offline proof that an entry is in a log, under a checkpoint its witnesses cosigned.
///
///     c2sp.org/tlog-proof@v1
///     index 41
///     <base64 hash>            (the inclusion proof, leaf's sibling first)
///     …
///
///     <the checkpoint, a signed note with its cosignatures>
///
/// Stored beside an exported document as `<file>.tlog-proof`. It names no key: whoever checks it brings
/// the log's and the witnesses' keys from their own pins, as a policy.
public struct LogProof: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"
    public static let fileExtension = "tlog-proof"

    public let index: Int
    public let proof: [MerkleHash]
    public let checkpoint: SignedCheckpoint
    /// Opaque and unauthenticated (the spec's `extra`); Entente writes none.
    public let extra: [UInt8]?

    public init(index: Int, proof: [MerkleHash], checkpoint: SignedCheckpoint, extra: [UInt8]? = nil) {
        self.index = index
        self.proof = proof
        self.checkpoint = checkpoint
        self.extra = extra
    }

    public var text: String {
        var lines = [Self.header]
        if let extra { lines.append("extra " + Data(extra).base64EncodedString()) }
        lines.append("index \(index)")
        lines += proof.map { Data($0).base64EncodedString() }
        return lines.map { $0 + "\n" }.joined() + "\n" + checkpoint.serialized
    }

    public init(parsing text: String) throws(LogProofError) {
        guard text.utf8.count <= SignedNote.maximumSize else { throw .malformed("larger than a proof can be") }
        guard let blank = text.range(of: "\n\n") else { throw .malformed("no empty line before the checkpoint") }
        var lines = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst() == Substring(Self.header) else { throw .malformed("the first line is \(Self.header)") }
        var extra: [UInt8]?
        if let line = lines.first, line.hasPrefix("extra ") {
            guard let bytes = Data(base64Encoded: String(line.dropFirst(6))) else { throw .malformed("extra is base64") }
            extra = Array(bytes)
            lines = lines.dropFirst()
        }
        guard let line = lines.popFirst(), line.hasPrefix("index "), let index = Int(line.dropFirst(6)), index >= 0,
            String(index) == line.dropFirst(6)
        else {
            throw .malformed("an index line, “index <n>” in decimal with no leading zeroes")
        }
        guard lines.count <= 64 else { throw .malformed("an inclusion proof has at most 64 hashes") }
        var proof: [MerkleHash] = []
        for line in lines {
            guard let hash = Data(base64Encoded: String(line)), hash.count == Merkle.hashSize else {
                throw .malformed("each proof line is the base64 of 32 bytes")
            }
            proof.append(Array(hash))
        }
        do { checkpoint = try SignedCheckpoint(parsing: String(text[blank.upperBound...])) } catch { throw .malformed(error.description) }
        self.index = index
        self.proof = proof
        self.extra = extra
    }

    /// What checking the proof of `entry` against `policy` established, and what it did not.
    public func verify(_ entry: LogEntry, policy: WitnessPolicy) throws(LogProofError) -> Verdict {
        let verdict: PolicyVerdict
        do { verdict = try policy.verify(checkpoint) } catch { throw .checkpoint(error.description) }
        do {
            try Merkle.verifyInclusion(
                leaf: entry.leafHash,
                index: index,
                size: checkpoint.checkpoint.size,
                proof: proof,
                root: checkpoint.checkpoint.root
            )
        } catch {
            throw .notIncluded(error.description)
        }
        return Verdict(
            origin: checkpoint.checkpoint.origin,
            index: index,
            size: checkpoint.checkpoint.size,
            cosignatures: verdict.cosignatures,
            quorumMet: verdict.quorumMet
        )
    }

    /// The proof checked: the entry is in the log under a checkpoint its log signed, cosigned by these witnesses.
    public struct Verdict: Sendable {
        public let origin: String
        public let index: Int
        public let size: Int
        public let cosignatures: [(witness: String, time: Date)]
        public let quorumMet: Bool

        /// The log held the entry no later than the first witness saw a checkpoint that covers it.
        public var heldBy: Date? { cosignatures.map(\.time).min() }
    }
}

public enum LogProofError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    /// The checkpoint is not signed by the log the policy names, or a known key's signature fails.
    case checkpoint(String)
    /// The inclusion proof does not lead from the entry to the checkpoint's root.
    case notIncluded(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "not a tlog-proof: \(reason)"
        case .checkpoint(let reason): "the checkpoint does not verify: \(reason)"
        case .notIncluded(let reason): "the document is not in the log under this checkpoint: \(reason)"
        }
    }
}
