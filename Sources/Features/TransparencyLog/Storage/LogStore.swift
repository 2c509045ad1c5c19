import Foundation
import SQLKit
import TransparencyLog

/// The node's transparency log: entries appended with their documents, integrated in batches into tiles
/// and signed checkpoints; the cosignatures its witnesses returned; and, as a witness of its peers' logs,
/// the checkpoints it cosigned and the equivocations it holds proof of.
extension NodeStore {
    // MARK: Appending

    /// Appends `entries` in the caller's transaction, so an entry exists exactly when its document does.
    /// They wait in `tlog_pending` for `integrateLog` to give them their index; an entry already appended
    /// is not appended twice.
    static func appendToLog(_ entries: [LogEntry], now: Date, into db: any SQLDatabase) async throws {
        for entry in entries {
            try await db.run(
                """
                INSERT INTO tlog_pending (leaf_hash, entry, appended_at) VALUES (\(bind: entry.leafHash.hex), \(bind: entry.description), \(bind: Milliseconds(now)))
                ON CONFLICT (leaf_hash) DO NOTHING
                """
            )
        }
    }

    /// Appends `entries` in a transaction of their own: for documents kept outside the database (this
    /// node's own descriptor and key rotation).
    public func appendToLog(_ entries: [LogEntry], now: Date) async throws {
        try await database.transaction { db in try await Self.appendToLog(entries, now: now, into: db) }
    }

    /// Appends, once, the documents this node held before it kept a log, in the order it stored them, so the
    /// log covers everything (`auditLog` re-derives it from them).
    public func appendHeldDocumentsToLog() async throws {
        try await database.transaction { db in
            guard try await db.value("SELECT value FROM tlog_state WHERE name = 'held-documents-appended'", as: Int64.self) == nil else { return }
            struct Held: Decodable {
                var kind: String
                var document: String
                var storedAt: Milliseconds
            }
            let held = try await db.rows(
                """
                SELECT 'envelope' AS kind, wire AS document, stored_at FROM envelopes
                UNION ALL SELECT 'case-event', document, stored_at FROM case_events
                UNION ALL SELECT 'record-entry', document, stored_at FROM record_entries
                UNION ALL SELECT 'descriptor', descriptor, updated_at FROM peers
                """,
                as: Held.self
            )
            for document in held {
                guard let kind = LogEntry.Kind(rawValue: document.kind) else { continue }
                try await Self.appendToLog([LogEntry(kind: kind, document: Array(document.document.utf8))], now: document.storedAt.date, into: db)
            }
            try await db.run("INSERT INTO tlog_state (name, value) VALUES ('held-documents-appended', \(bind: Int64(held.count)))")
        }
    }

    /// Appends this node's descriptor (and key rotation) of `sequence` unless that version is already logged.
    public func appendOwnDescriptorToLog(_ entries: [LogEntry], sequence: Int64, now: Date) async throws {
        try await database.transaction { db in
            let logged = try await db.value("SELECT value FROM tlog_state WHERE name = 'own-descriptor-sequence'", as: Int64.self)
            if let logged, logged >= sequence { return }
            try await Self.appendToLog(entries, now: now, into: db)
            try await db.run(
                """
                INSERT INTO tlog_state (name, value) VALUES ('own-descriptor-sequence', \(bind: sequence))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """
            )
        }
    }

    // MARK: Integrating

    struct PendingRow: Codable, Sendable {
        var leafHash: String
        var entry: String
    }

    struct CheckpointRow: Codable, Sendable {
        var size: Int64
        var note: String
        var signedAt: Milliseconds
    }

    struct TileRow: Codable, Sendable {
        var level: Int64
        var idx: Int64
        var width: Int64
        var hashes: String
    }

    /// Entries a batch integrates at most: a checkpoint per batch, the batch in one transaction.
    public static let integrationBatch = 2_000

    /// Gives up to `batch` pending entries the next indexes, in the order they were appended, writes the
    /// tiles they change, and signs the new checkpoint, all in one transaction. Returns the new checkpoint,
    /// or nil when nothing was pending (a log with no checkpoint yet gets one of size 0).
    public func integrateLog(signer: NoteSigner, batch: Int = integrationBatch, now: Date) async throws -> SignedCheckpoint? {
        try await database.transaction { db in
            let latest = try await db.row("SELECT * FROM tlog_checkpoints ORDER BY size DESC LIMIT 1", as: CheckpointRow.self)
            let size = Int(latest?.size ?? 0)
            let pending = try await db.rows(
                "SELECT leaf_hash, entry FROM tlog_pending ORDER BY appended_at, leaf_hash LIMIT \(bind: batch)",
                as: PendingRow.self
            )
            var fresh = pending
            if !pending.isEmpty {
                try await db.run("DELETE FROM tlog_pending WHERE leaf_hash IN (\(binds: pending.map(\.leafHash)))")
                let logged = Set(
                    try await db.rows(
                        "SELECT leaf_hash, entry FROM tlog_entries WHERE leaf_hash IN (\(binds: pending.map(\.leafHash)))",
                        as: PendingRow.self
                    )
                    .map(\.leafHash)
                )
                fresh.removeAll { logged.contains($0.leafHash) }
            }
            guard !fresh.isEmpty || latest == nil else { return nil }
            struct EntryRow: Codable, Sendable {
                var idx: Int64
                var entry: String
                var leafHash: String
            }
            let rows = fresh.enumerated().map { EntryRow(idx: Int64(size + $0.offset), entry: $0.element.entry, leafHash: $0.element.leafHash) }
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                try await db.insert(into: "tlog_entries").models(Array(rows[chunk..<min(chunk + 500, rows.count)]), with: .columns).run()
            }
            let leaves = try fresh.map { row in
                guard let hash = MerkleHash(hex: row.leafHash), hash.count == Merkle.hashSize else {
                    throw LogStorageError.corrupt("pending leaf \(row.leafHash)")
                }
                return hash
            }
            let edge = try await Self.tiles(Set(TiledTree.edgeTiles(of: size)), in: db)
            for (tile, hashes) in try TiledTree.grow(from: size, edge: edge, by: leaves) {
                try await db.run(
                    """
                    INSERT INTO tlog_tiles (level, idx, width, hashes) VALUES (\(bind: Int64(tile.level)), \(bind: Int64(tile.index)), \(bind: Int64(tile.width)), \(bind: Array(hashes.joined()).hex))
                    ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes
                    """
                )
            }
            let tree = TiledTree(size: size + leaves.count)
            let root = try tree.root(in: try await Self.tiles(tree.rootTiles, in: db))
            let checkpoint = try SignedCheckpoint(Checkpoint(origin: signer.verifier.name, size: tree.size, root: root), signedBy: signer)
            try await db.insert(
                into: "tlog_checkpoints",
                CheckpointRow(size: Int64(tree.size), note: checkpoint.serialized, signedAt: Milliseconds(now))
            )
            return checkpoint
        }
    }

    /// The hashes of `tiles`, each as wide as asked: a partial tile is served from a wider one, whose first
    /// hashes it is. A tile the log does not (yet) hold that wide is left out.
    static func tiles(_ tiles: Set<Tile>, in db: any SQLDatabase) async throws -> [Tile: [MerkleHash]] {
        var found: [Tile: [MerkleHash]] = [:]
        for (level, wanted) in Dictionary(grouping: tiles, by: \.level) {
            let rows = try await db.rows(
                "SELECT * FROM tlog_tiles WHERE level = \(bind: Int64(level)) AND idx IN (\(binds: wanted.map { Int64($0.index) }))",
                as: TileRow.self
            )
            for tile in wanted {
                guard let row = rows.first(where: { $0.idx == tile.index }), row.width >= tile.width else { continue }
                guard let bytes = [UInt8](hex: row.hashes.prefix(tile.width * 2 * Merkle.hashSize)), bytes.count == tile.width * Merkle.hashSize
                else {
                    throw LogStorageError.corrupt("tile \(tile)")
                }
                found[tile] = stride(from: 0, to: bytes.count, by: Merkle.hashSize).map { Array(bytes[$0..<$0 + Merkle.hashSize]) }
            }
        }
        return found
    }

    // MARK: Serving

    /// The latest checkpoint with every cosignature its witnesses returned.
    public func latestCheckpoint() async throws -> SignedCheckpoint? {
        guard let row = try await sql.row("SELECT * FROM tlog_checkpoints ORDER BY size DESC LIMIT 1", as: CheckpointRow.self) else { return nil }
        return try await checkpoint(row)
    }

    /// The checkpoint of `size`, with its cosignatures.
    public func checkpoint(size: Int) async throws -> SignedCheckpoint? {
        guard let row = try await sql.row("SELECT * FROM tlog_checkpoints WHERE size = \(bind: Int64(size))", as: CheckpointRow.self) else {
            return nil
        }
        return try await checkpoint(row)
    }

    private func checkpoint(_ row: CheckpointRow) async throws -> SignedCheckpoint {
        struct Line: Decodable { var line: String }
        let lines = try await sql.rows("SELECT line FROM tlog_cosignatures WHERE size = \(bind: row.size) ORDER BY witness", as: Line.self)
        let signed = try SignedCheckpoint(parsing: row.note)
        return signed.adding(try SignedNote.Signature.parseLines(lines.map(\.line).joined()))
    }

    /// A tile's bytes (its hashes, concatenated), if the log holds it that wide.
    public func logTile(_ tile: Tile) async throws -> [UInt8]? {
        try await Self.tiles([tile], in: sql)[tile].map { Array($0.joined()) }
    }

    /// The entry bundle with the leaves of the level-0 tile `tile`, if the log holds them all.
    public func logEntryBundle(_ tile: Tile) async throws -> [UInt8]? {
        struct Entry: Decodable { var entry: String }
        let first = Int64(tile.index * Tile.fullWidth)
        let entries = try await sql.rows(
            "SELECT entry FROM tlog_entries WHERE idx >= \(bind: first) AND idx < \(bind: first + Int64(tile.width)) ORDER BY idx",
            as: Entry.self
        )
        guard entries.count == tile.width else { return nil }
        return LogEntry.bundle(entries.map { Array($0.entry.utf8) })
    }

    /// Where `entry` is in the log, once integrated.
    public func logIndex(of entry: LogEntry) async throws -> Int? {
        try await sql.value("SELECT idx FROM tlog_entries WHERE leaf_hash = \(bind: entry.leafHash.hex)", as: Int64.self).map(Int.init)
    }

    /// The inclusion proof of entry `index` in the tree of the checkpoint of `size`, computed from the tiles.
    public func logInclusionProof(_ index: Int, size: Int) async throws -> [MerkleHash] {
        let tree = TiledTree(size: size)
        return try tree.inclusionProof(index, in: try await Self.tiles(tree.tiles(for: Merkle.inclusionRanges(index, size: size)), in: sql))
    }

    /// The consistency proof from the tree of `oldSize` to that of `newSize`, computed from the tiles.
    public func logConsistencyProof(from oldSize: Int, to newSize: Int) async throws -> [MerkleHash] {
        let tree = TiledTree(size: newSize)
        return try tree.consistencyProof(
            from: oldSize,
            in: try await Self.tiles(tree.tiles(for: Merkle.consistencyRanges(from: oldSize, to: newSize)), in: sql)
        )
    }

    /// How many entries wait to be integrated.
    public func pendingLogEntries() async throws -> Int64 {
        try await sql.value("SELECT COUNT(*) FROM tlog_pending", as: Int64.self) ?? 0
    }

    /// Every integrated entry from `index` on, at most `limit`: what an audit re-derives the log from.
    public func logEntries(from index: Int, limit: Int) async throws -> [(index: Int, entry: String)] {
        struct Row: Decodable {
            var idx: Int64
            var entry: String
        }
        return try await sql.rows(
            "SELECT idx, entry FROM tlog_entries WHERE idx >= \(bind: Int64(index)) ORDER BY idx LIMIT \(bind: limit)",
            as: Row.self
        ).map { (Int($0.idx), $0.entry) }
    }

    // MARK: Cosignatures gathered

    /// A witness of this node's log: the latest size it cosigned, and how the last attempt went.
    public struct CosignerStatus: Sendable {
        public let witness: String
        public let size: Int
        public let cosignedAt: Date?
        public let attemptedAt: Date?
        public let lastError: String?
        /// Attempts that failed since the last cosignature.
        public let failures: Int
    }

    struct CosignerRow: Codable, Sendable {
        var witness: String
        var size: Int64
        var cosignedAt: Milliseconds?
        var attemptedAt: Milliseconds?
        var lastError: String?
        var failures: Int64
    }

    public func cosigners() async throws -> [CosignerStatus] {
        try await sql.rows("SELECT * FROM tlog_cosigners ORDER BY witness", as: CosignerRow.self).map {
            CosignerStatus(
                witness: $0.witness,
                size: Int($0.size),
                cosignedAt: $0.cosignedAt?.date,
                attemptedAt: $0.attemptedAt?.date,
                lastError: $0.lastError,
                failures: Int($0.failures)
            )
        }
    }

    /// Records `witness`'s cosignature on the checkpoint of `size`, and that it has now seen that size.
    public func recordCosignature(_ line: SignedNote.Signature, by witness: String, size: Int, now: Date) async throws {
        try await database.transaction { db in
            try await db.run(
                """
                INSERT INTO tlog_cosignatures (size, witness, line, cosigned_at) VALUES (\(bind: Int64(size)), \(bind: witness), \(bind: line.line), \(bind: Milliseconds(now)))
                ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, cosigned_at = excluded.cosigned_at
                """
            )
            let row = CosignerRow(witness: witness, size: Int64(size), cosignedAt: Milliseconds(now), attemptedAt: Milliseconds(now), failures: 0)
            try await Self.updateCosigner(row, db)
        }
    }

    /// Records why `witness` did not cosign; `size` is what it says it last cosigned, when it says so (409).
    public func recordCosigningFailure(_ error: String, witness: String, size: Int?, now: Date) async throws {
        let known = try await sql.row("SELECT * FROM tlog_cosigners WHERE witness = \(bind: witness)", as: CosignerRow.self)
        var row = known ?? CosignerRow(witness: witness, size: 0, failures: 0)
        row.size = size.map(Int64.init) ?? row.size
        row.attemptedAt = Milliseconds(now)
        row.lastError = String(error.prefix(500))
        row.failures += 1
        try await Self.updateCosigner(row, sql)
    }

    private static func updateCosigner(_ row: CosignerRow, _ db: any SQLDatabase) async throws {
        try await db.insert(into: "tlog_cosigners").model(row, with: .columns)
            .onConflict(with: ["witness"]) { update in
                update.set(excludedValueOf: "size").set(excludedValueOf: "cosigned_at").set(excludedValueOf: "attempted_at")
                    .set(excludedValueOf: "last_error").set(excludedValueOf: "failures")
            }
            .run()
    }

    // MARK: Witnessing peers' logs

    struct WitnessedRow: Codable, Sendable {
        var origin: String
        var size: Int64
        var root: String
        var note: String
        var cosignedAt: Milliseconds
    }

    /// Checks a peer's checkpoint against what this node cosigned for its log and, if `decide` cosigns it,
    /// records it before answering, in one transaction: two requests cannot both pass a check against the
    /// same earlier checkpoint and leave the later one overwritten. A fork is recorded as an equivocation.
    public func witness(
        _ request: AddCheckpointRequest,
        decide: @escaping @Sendable (_ latest: SignedCheckpoint?, _ sameSize: SignedCheckpoint?) throws(WitnessRefusal) -> SignedNote.Signature,
        now: Date
    ) async throws -> Result<SignedNote.Signature, WitnessRefusal> {
        let checkpoint = request.checkpoint.checkpoint
        let outcome = try await database.transaction { db -> Result<SignedNote.Signature, WitnessRefusal> in
            let latest = try await db.row(
                "SELECT * FROM tlog_witnessed WHERE origin = \(bind: checkpoint.origin) ORDER BY size DESC LIMIT 1",
                as: WitnessedRow.self
            )
            let sameSize = try await db.row(
                "SELECT * FROM tlog_witnessed WHERE origin = \(bind: checkpoint.origin) AND size = \(bind: Int64(checkpoint.size))",
                as: WitnessedRow.self
            )
            let latestCheckpoint = try latest.map { try SignedCheckpoint(parsing: $0.note) }
            let sameSizeCheckpoint = try sameSize.map { try SignedCheckpoint(parsing: $0.note) }
            let decision = Result { () throws(WitnessRefusal) in try decide(latestCheckpoint, sameSizeCheckpoint) }
            if case .success = decision, sameSize == nil {
                let row = WitnessedRow(
                    origin: checkpoint.origin,
                    size: Int64(checkpoint.size),
                    root: checkpoint.root.hex,
                    note: request.checkpoint.serialized,
                    cosignedAt: Milliseconds(now)
                )
                try await db.insert(into: "tlog_witnessed", row)
            }
            return decision
        }
        if case .failure(.forked(let proof)) = outcome { try await recordEquivocation(proof, source: "witnessed", now: now) }
        return outcome
    }

    /// The latest checkpoint this node cosigned of every log it witnesses.
    public func witnessedCheckpoints() async throws -> [(checkpoint: SignedCheckpoint, cosignedAt: Date)] {
        try await sql.rows(
            """
            SELECT w.* FROM tlog_witnessed w WHERE w.size = (SELECT MAX(size) FROM tlog_witnessed l WHERE l.origin = w.origin) ORDER BY w.origin
            """,
            as: WitnessedRow.self
        ).map { (try SignedCheckpoint(parsing: $0.note), $0.cosignedAt.date) }
    }

    /// The checkpoint of `origin` this node cosigned with `size`, if any.
    public func witnessedCheckpoint(origin: String, size: Int) async throws -> SignedCheckpoint? {
        try await sql.row("SELECT * FROM tlog_witnessed WHERE origin = \(bind: origin) AND size = \(bind: Int64(size))", as: WitnessedRow.self)
            .map { try SignedCheckpoint(parsing: $0.note) }
    }

    // MARK: Equivocations

    public struct EquivocationRecord: Sendable {
        public let id: String
        public let origin: String
        public let proof: String
        public let detectedAt: Date
        /// How this node learned of it: `witnessed` (its own witness refused the fork) or the peer that sent the proof.
        public let source: String
    }

    struct EquivocationRow: Codable, Sendable {
        var id: String
        var origin: String
        var proof: String
        var detectedAt: Milliseconds
        var source: String
    }

    /// Keeps a proof of equivocation, once: its id is the digest of the two checkpoints, in either order.
    /// Returns whether it was new.
    @discardableResult
    public func recordEquivocation(_ proof: EquivocationProof, source: String, now: Date) async throws -> Bool {
        let row = EquivocationRow(id: proof.id, origin: proof.origin, proof: proof.json, detectedAt: Milliseconds(now), source: source)
        return try await sql.insert(into: "tlog_equivocations").model(row, with: .columns).ignoringConflicts(with: ["id"]).returning("id").first()
            != nil
    }

    public func equivocations() async throws -> [EquivocationRecord] {
        try await sql.rows("SELECT * FROM tlog_equivocations ORDER BY detected_at DESC", as: EquivocationRow.self).map {
            EquivocationRecord(id: $0.id, origin: $0.origin, proof: $0.proof, detectedAt: $0.detectedAt.date, source: $0.source)
        }
    }
}

public enum LogStorageError: Error, CustomStringConvertible {
    case corrupt(String)

    public var description: String {
        switch self {
        case .corrupt(let what): "the log's storage is corrupt: \(what) is not what the log wrote"
        }
    }
}
