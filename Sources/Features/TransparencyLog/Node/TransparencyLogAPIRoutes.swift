import EntenteProtocol
import Foundation
import Hummingbird
import Storage
import TransparencyLog

/// `/api/v1/log`: the log's status for anyone signed in; its audit, which reads the whole log and every
/// stored document, for the operator.
struct TransparencyLogAPIRoutes: APIHandler {
    let log: TransparencyLogService

    func register(on api: APIGroups) {
        api.any.get("log") { _, _ in JSONResponse.make(try JSONValue(encoding: try await log.status(now: Date()))) }
        api.any.get("log/proofs/:kind/:digest") { _, context in try await proof(context) }
        api.operatorOnly.post("log/audit") { _, _ in try await handling { JSONResponse.make(try JSONValue(encoding: try await log.audit())) } }
    }
}

extension TransparencyLogAPIRoutes {
    /// The offline proof that a document of `kind` with SHA-256 `digest` is in this node's log.
    func proof(_ context: NodeRequestContext) async throws -> Response {
        guard let kind = context.parameters.get("kind").flatMap(LogEntry.Kind.init(rawValue:)),
            let digest = context.parameters.get("digest").flatMap({ MerkleHash(hex: $0) }), digest.count == Merkle.hashSize
        else { throw APIError.notFound("a log entry is named by its kind and the lowercase hex SHA-256 of its document") }
        let entry = LogEntry(kind: kind, digest: digest)
        guard let (proof, verdict) = try await log.proof(of: entry) else {
            throw APIError.notFound("\(entry) is not in this node's log (yet: entries are added within a second of their document)")
        }
        return JSONResponse.make(
            try JSONValue(
                encoding: LogProofAnswer(
                    entry: entry.description,
                    index: proof.index,
                    size: proof.checkpoint.checkpoint.size,
                    witnesses: verdict?.cosignatures.map(\.witness) ?? [],
                    quorumMet: verdict?.quorumMet ?? false,
                    proof: proof.text
                )
            )
        )
    }
}

/// What `GET /api/v1/log/proofs/{kind}/{digest}` answers: the proof as tlog-proof text, and what it holds.
public struct LogProofAnswer: Codable, Sendable {
    public let entry: String
    public let index: Int
    public let size: Int
    /// The witnesses whose cosignatures the checkpoint carries.
    public let witnesses: [String]
    public let quorumMet: Bool
    public let proof: String
}

/// What `GET /api/v1/log` answers: this node's log, its witnesses, its peers' logs and the alerts.
public struct LogStatus: Codable, Sendable {
    public struct Witness: Codable, Sendable {
        public let witness: String
        public let cosignedSize: Int
        public let cosignedLatest: Bool
        public let cosignedAt: String?
        public let attemptedAt: String?
        public let lastError: String?
    }

    public struct PeerLog: Codable, Sendable {
        public let origin: String
        /// The latest checkpoint of it this node cosigned as a witness.
        public let witnessedSize: Int?
        public let witnessedAt: String?
        /// How far this node has read and checked it as a monitor.
        public let monitoredSize: Int?
        public let checkedAt: String?
    }

    public struct Alert: Codable, Sendable {
        public let origin: String
        public let kind: String
        public let detail: String
        public let raisedAt: String
        public let lastRaisedAt: String
        public let count: Int
    }

    public struct Equivocation: Codable, Sendable {
        public let id: String
        public let origin: String
        public let detectedAt: String
        public let source: String
        public let proof: String
    }

    public let origin: String
    public let logKey: String
    public let witnessKey: String
    public let size: Int
    public let pending: Int
    public let checkpoint: String?
    /// The policy this node's own checkpoints are held to (C2SP tlog-policy), and whether the latest meets it.
    public let policy: String
    public let quorumMet: Bool
    public let witnesses: [Witness]
    public let peerLogs: [PeerLog]
    public let alerts: [Alert]
    public let equivocations: [Equivocation]
}

/// What `POST /api/v1/log/audit` answers.
public struct LogAuditReport: Codable, Sendable {
    public let origin: String
    public let size: Int
    public let root: String
    /// The latest checkpoint's root is that of the entries, and it is signed by this node's key.
    public let checkpointMatches: Bool
    public let checkpointsContradicted: [Int]
    public let tilesAgree: Bool
    public let documents: [String: NodeStore.LogAudit.DocumentCount]
    public let missing: [String]
    public let notRederived: [String: Int]
    /// Nothing contradicted, nothing missing.
    public let consistent: Bool
}
