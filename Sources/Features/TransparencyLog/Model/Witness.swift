import Crypto
import Foundation

/// A C2SP tlog-witness `add-checkpoint` request: the size the log believes the witness last cosigned, a
/// consistency proof from there, and the new checkpoint.
public struct AddCheckpointRequest: Sendable, Equatable {
    public let oldSize: Int
    public let proof: [MerkleHash]
    public let checkpoint: SignedCheckpoint

    /// At most 63 proof lines (tlog-witness).
    public static let maximumProofLines = 63

    public init(oldSize: Int, proof: [MerkleHash], checkpoint: SignedCheckpoint) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var body: String {
        "old \(oldSize)\n" + proof.map { Data($0).base64EncodedString() + "\n" }.joined() + "\n" + checkpoint.serialized
    }

    public init(parsing body: String) throws(WitnessRefusal) {
        guard body.utf8.count <= SignedNote.maximumSize else { throw .badRequest("the request is larger than a checkpoint with its proof") }
        guard let blank = body.range(of: "\n\n") else { throw .badRequest("no empty line before the checkpoint") }
        let head = body[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let oldSize = Int(first.dropFirst(4)), oldSize >= 0,
            String(oldSize) == first.dropFirst(4)
        else { throw .badRequest("the first line is “old <size>”, in decimal with no leading zeroes") }
        guard head.count - 1 <= Self.maximumProofLines else { throw .badRequest("at most \(Self.maximumProofLines) proof lines") }
        var proof: [MerkleHash] = []
        for line in head.dropFirst() {
            guard let hash = Data(base64Encoded: String(line)), hash.count == Merkle.hashSize else {
                throw .badRequest("each proof line is the base64 of a 32-byte hash")
            }
            proof.append(Array(hash))
        }
        do {
            checkpoint = try SignedCheckpoint(parsing: String(body[blank.upperBound...]))
        } catch {
            throw .badRequest(error.description)
        }
        self.oldSize = oldSize
        self.proof = proof
    }
}

/// What a witness answers other than a cosignature, with the tlog-witness status code of each.
public enum WitnessRefusal: Error, Equatable, CustomStringConvertible {
    /// 400: a malformed request, or an old size above the checkpoint's.
    case badRequest(String)
    /// 404: the witness does not witness this origin.
    case unknownLog(String)
    /// 403: no signature by the log's key verifies.
    case notSignedByLog(String)
    /// 409 with the size of the latest checkpoint cosigned (`text/x.tlog.size`): the log is to prove
    /// consistency from there.
    case oldSizeMismatch(latest: Int)
    /// 409: a checkpoint of a size the witness cosigned with another root. The two are a proof of equivocation.
    case forked(EquivocationProof)
    /// 422: the consistency proof does not lead from the checkpoint cosigned before to this one.
    case inconsistent(String)

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .unknownLog: 404
        case .notSignedByLog: 403
        case .oldSizeMismatch, .forked: 409
        case .inconsistent: 422
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let reason): "bad add-checkpoint request: \(reason)"
        case .unknownLog(let origin): "this witness does not witness \(origin)"
        case .notSignedByLog(let reason): "the checkpoint is not signed by its log: \(reason)"
        case .oldSizeMismatch(let latest): "the latest checkpoint cosigned here has size \(latest)"
        case .forked(let proof): "equivocation: \(proof.summary)"
        case .inconsistent(let reason): "the consistency proof does not verify: \(reason)"
        }
    }
}

/// The witness's rules (C2SP tlog-witness), with nothing stored: the caller gives what it holds for the
/// origin and, on success, stores the new checkpoint before answering, atomically with the check.
public enum Witness {
    /// Checks `request` against the log's key and the checkpoints this witness cosigned for its origin
    /// (`latest`, and `sameSize`: the one of the request's size, if any), and cosigns it or says why not.
    public static func add(
        _ request: AddCheckpointRequest,
        log: NoteVerifier?,
        latest: SignedCheckpoint?,
        sameSize: SignedCheckpoint?,
        cosigner: Cosigner,
        now: Date
    ) throws(WitnessRefusal) -> SignedNote.Signature {
        let checkpoint = request.checkpoint.checkpoint
        guard let log else { throw .unknownLog(checkpoint.origin) }
        do { try request.checkpoint.verify(log: log) } catch { throw .notSignedByLog(error.description) }
        // Any checkpoint this witness cosigned with the same size and another root is a fork, whatever the
        // old size claims: keep both, as the proof.
        if let sameSize, sameSize.checkpoint.root != checkpoint.root {
            throw .forked(EquivocationProof(first: sameSize, second: request.checkpoint, path: []))
        }
        guard request.oldSize <= checkpoint.size else {
            throw .badRequest("old size \(request.oldSize) is above the checkpoint's \(checkpoint.size)")
        }
        let latestSize = latest?.checkpoint.size ?? 0
        guard request.oldSize == latestSize else { throw .oldSizeMismatch(latest: latestSize) }
        if let latest {
            do {
                try Merkle.verifyConsistency(
                    oldSize: latestSize,
                    newSize: checkpoint.size,
                    oldRoot: latest.checkpoint.root,
                    newRoot: checkpoint.root,
                    proof: request.proof
                )
            } catch {
                throw .inconsistent(error.description)
            }
        } else if !request.proof.isEmpty {
            throw .inconsistent("the proof from size 0 is empty")
        }
        do { return try cosigner.cosign(checkpoint, at: now) } catch { throw .badRequest("cosigning failed: \(error)") }
    }
}

/// Two checkpoints signed by one log that cannot both be true: the same size with two roots, or a larger
/// tree whose own consistency path (`path`) leads to its signed root and to another root for the smaller
/// size than the one the log signed for it. Self-contained: it verifies with the log's key alone.
public struct EquivocationProof: Sendable, Equatable {
    public let first: SignedCheckpoint
    public let second: SignedCheckpoint
    /// Empty for two checkpoints of one size; otherwise the consistency path from the smaller to the larger,
    /// computed from the larger tree's hashes (`Merkle.roots(ofConsistencyPath:)`).
    public let path: [MerkleHash]

    public init(first: SignedCheckpoint, second: SignedCheckpoint, path: [MerkleHash]) {
        self.first = first
        self.second = second
        self.path = path
    }

    public var origin: String { first.checkpoint.origin }

    /// Names the fork whichever way round its two checkpoints are given: SHA-256 of their texts, sorted.
    public var id: String {
        Array(SHA256.hash(data: Data([first.checkpoint.text, second.checkpoint.text].sorted().joined().utf8))).hex
    }

    /// The proof as it is kept and gossiped: a JSON object with both checkpoints as signed notes and the path.
    public var json: String {
        let document = Document(first: first.serialized, second: second.serialized, path: path.map { Data($0).base64EncodedString() })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self)
    }

    public init(json: String) throws(EquivocationError) {
        guard json.utf8.count <= 3 * SignedNote.maximumSize / 2,
            let document = try? JSONDecoder().decode(Document.self, from: Data(json.utf8)),
            document.path.count <= AddCheckpointRequest.maximumProofLines + 1,
            let first = try? SignedCheckpoint(parsing: document.first), let second = try? SignedCheckpoint(parsing: document.second)
        else { throw .malformed }
        var path: [MerkleHash] = []
        for line in document.path {
            guard let hash = Data(base64Encoded: line), hash.count == Merkle.hashSize else { throw .malformed }
            path.append(Array(hash))
        }
        self.init(first: first, second: second, path: path)
    }

    private struct Document: Codable {
        let first: String
        let second: String
        let path: [String]
    }

    /// In words, without hashes: what the log signed that cannot be true.
    public var summary: String {
        let (smaller, larger) =
            first.checkpoint.size <= second.checkpoint.size ? (first.checkpoint, second.checkpoint) : (second.checkpoint, first.checkpoint)
        return smaller.size == larger.size
            ? "\(origin) signed two different records of its first \(smaller.size) entries"
            : "\(origin) signed a record of \(larger.size) entries whose first \(smaller.size) are not the \(smaller.size) it signed before"
    }

    /// Checks that both are signed by `log` and that they contradict each other.
    public func verify(log: NoteVerifier) throws(EquivocationError) {
        guard first.checkpoint.origin == second.checkpoint.origin else { throw .differentLogs }
        do {
            try first.verify(log: log)
            try second.verify(log: log)
        } catch {
            throw .notSigned(error.description)
        }
        let (smaller, larger) = first.checkpoint.size <= second.checkpoint.size ? (first, second) : (second, first)
        if smaller.checkpoint.size == larger.checkpoint.size {
            guard smaller.checkpoint.root != larger.checkpoint.root else { throw .consistent }
            return
        }
        guard smaller.checkpoint.size > 0 else { throw .consistent }
        let roots: (old: MerkleHash, new: MerkleHash)
        do {
            roots = try Merkle.roots(ofConsistencyPath: path, oldSize: smaller.checkpoint.size, newSize: larger.checkpoint.size)
        } catch {
            throw .pathDoesNotProve(error.description)
        }
        guard roots.new == larger.checkpoint.root else { throw .pathDoesNotProve("the path does not lead to the larger tree's root") }
        guard roots.old != smaller.checkpoint.root else { throw .consistent }
    }
}

public enum EquivocationError: Error, Equatable, CustomStringConvertible {
    case malformed
    case differentLogs
    case notSigned(String)
    case consistent
    case pathDoesNotProve(String)

    public var description: String {
        switch self {
        case .malformed: "not a proof of equivocation: a JSON object with two signed checkpoints, first and second, and a path of base64 hashes"
        case .differentLogs: "the two checkpoints are of different logs"
        case .notSigned(let reason): "a checkpoint is not the log's: \(reason)"
        case .consistent: "the two checkpoints are consistent: no equivocation"
        case .pathDoesNotProve(let reason): "the consistency path proves nothing: \(reason)"
        }
    }
}
