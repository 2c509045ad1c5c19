import EntenteProtocol
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
            // Read around the cache: until this transaction commits, its tiles are not the log's.
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
    /// A tile of a given width never changes once committed (a wider one starts with the same hashes), so
    /// tiles are kept in memory once read (`TileCache`); the audit reads around it. Only committed tiles: never
    /// call this inside a transaction that writes them.
    func tiles(_ tiles: Set<Tile>, in db: any SQLDatabase, cached: Bool = true) async throws -> [Tile: [MerkleHash]] {
        var found: [Tile: [MerkleHash]] = [:]
        var missing = Set<Tile>()
        for tile in tiles {
            if cached, let hashes = tileCache[tile] { found[tile] = hashes } else { missing.insert(tile) }
        }
        for (tile, hashes) in try await Self.tiles(missing, in: db) {
            found[tile] = hashes
            tileCache[tile] = hashes
        }
        return found
    }

    static func tiles(_ tiles: Set<Tile>, in db: any SQLDatabase) async throws -> [Tile: [MerkleHash]] {
        struct StoredTile: Decodable {
            var idx: Int64
            var width: Int64
            var hashes: Data
        }
        // The database turns the stored hex into bytes: a tile read for a proof is then 8 KiB, not a 16 KiB string
        // decoded here (on PostgreSQL, twice as many bytes through the driver's text decoding).
        let unhex = db.dialect.name == "postgresql" ? "decode(hashes, 'hex')" : "unhex(hashes)"
        var found: [Tile: [MerkleHash]] = [:]
        for (level, wanted) in Dictionary(grouping: tiles, by: \.level) {
            let rows = try await db.rows(
                """
                SELECT idx, width, \(unsafeRaw: unhex) AS hashes FROM tlog_tiles
                WHERE level = \(bind: Int64(level)) AND idx IN (\(binds: wanted.map { Int64($0.index) }))
                """,
                as: StoredTile.self
            )
            for tile in wanted {
                guard let row = rows.first(where: { $0.idx == tile.index }), row.width >= tile.width else { continue }
                guard row.hashes.count == Int(row.width) * Merkle.hashSize else { throw LogStorageError.corrupt("tile \(tile)") }
                // A narrower tile is the first hashes of the wider one held.
                found[tile] = row.hashes.withUnsafeBytes { bytes in
                    stride(from: 0, to: tile.width * Merkle.hashSize, by: Merkle.hashSize).map { Array(bytes[$0..<$0 + Merkle.hashSize]) }
                }
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

    /// The checkpoint to prove entry `index` under: of those that cover it, the one most witnesses cosigned,
    /// the latest among equals.
    public func checkpointForProof(of index: Int) async throws -> SignedCheckpoint? {
        struct Row: Decodable { var size: Int64 }
        let row = try await sql.row(
            """
            SELECT c.size FROM tlog_checkpoints c LEFT JOIN tlog_cosignatures s ON s.size = c.size
            WHERE c.size > \(bind: Int64(index)) GROUP BY c.size ORDER BY COUNT(s.witness) DESC, c.size DESC LIMIT 1
            """,
            as: Row.self
        )
        guard let row else { return nil }
        return try await checkpoint(size: Int(row.size))
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
        try await tiles([tile], in: sql)[tile].map { Array($0.joined()) }
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
        try await hashes(of: Merkle.inclusionRanges(index, size: size), in: TiledTree(size: size))
    }

    /// The consistency proof from the tree of `oldSize` to that of `newSize`, computed from the tiles.
    public func logConsistencyProof(from oldSize: Int, to newSize: Int) async throws -> [MerkleHash] {
        try await hashes(of: Merkle.consistencyRanges(from: oldSize, to: newSize), in: TiledTree(size: newSize))
    }

    /// The hash of each range of leaves, as proofs list them. A whole subtree at least a tile wide never changes
    /// once its leaves are in the log, and proofs for random entries share the widest of them: those are kept
    /// (`subtreeCache`), so a proof hashes again only the part of the tree near its entry.
    func hashes(of ranges: [Range<Int>], in tree: TiledTree) async throws -> [MerkleHash] {
        func cacheable(_ range: Range<Int>) -> Subtree? {
            Subtree(exactly: range).flatMap { $0.level >= Tile.height ? $0 : nil }
        }
        let cached = ranges.map { cacheable($0).flatMap { subtreeCache[$0] } }
        let computed = zip(ranges, cached).compactMap { $1 == nil ? $0 : nil }
        let tiles = try await tiles(tree.tiles(for: computed), in: sql)
        return try zip(ranges, cached).map { range, hash in
            if let hash { return hash }
            let computed = try tree.hash(of: range, in: tiles)
            if let subtree = cacheable(range) { subtreeCache[subtree] = computed }
            return computed
        }
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
    /// same earlier checkpoint and leave the later one overwritten.
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

    /// The latest checkpoint of `origin` this node cosigned, if any.
    public func latestWitnessedCheckpoint(origin: String) async throws -> SignedCheckpoint? {
        try await sql.row("SELECT * FROM tlog_witnessed WHERE origin = \(bind: origin) ORDER BY size DESC LIMIT 1", as: WitnessedRow.self)
            .map { try SignedCheckpoint(parsing: $0.note) }
    }

    /// The checkpoints of `origin` this node cosigned with sizes in `(above, upTo]`, by size.
    public func witnessedRoots(origin: String, above: Int, upTo: Int) async throws -> [Int: SignedCheckpoint] {
        let rows = try await sql.rows(
            "SELECT * FROM tlog_witnessed WHERE origin = \(bind: origin) AND size > \(bind: Int64(above)) AND size <= \(bind: Int64(upTo))",
            as: WitnessedRow.self
        )
        return Dictionary(uniqueKeysWithValues: try rows.map { (Int($0.size), try SignedCheckpoint(parsing: $0.note)) })
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
        /// How this node learned of it: `witness` (it refused the fork as a witness), `monitor` (reading the log), or
        /// the peer that sent the proof.
        public let source: String
    }

    struct EquivocationRow: Codable, Sendable {
        var id: String
        var origin: String
        var proof: String
        var detectedAt: Milliseconds
        var source: String
    }

    /// Keeps a proof of equivocation found here, once (its id is the digest of the two checkpoints, in either
    /// order), raises the alert, and queues `gossip` (the proof sealed to the peers) in the same transaction,
    /// so a proof this node holds is one it is sending on. Returns whether it was new.
    @discardableResult
    public func recordEquivocation(_ proof: EquivocationProof, source: String, gossip: [Envelope] = [], now: Date) async throws -> Bool {
        try await database.transaction { db in try await Self.insertEquivocation(proof, source: source, gossip: gossip, now: now, into: db) }
    }

    /// Stores a proof of equivocation a peer sent in `envelope`, as `recordEquivocation` does, with the
    /// envelope. A replayed envelope stores nothing and returns when it was first stored.
    public func recordIncoming(_ envelope: Envelope, equivocation proof: EquivocationProof, gossip: [Envelope], now: Date) async throws -> Date {
        try await database.transaction { db in
            if let first = try await Self.insertEnvelopeOnce(envelope, now: now, into: db) { return first }
            try await Self.insertEquivocation(proof, source: envelope.sender.rawValue, gossip: gossip, now: now, into: db)
            return now
        }
    }

    private static func insertEquivocation(
        _ proof: EquivocationProof,
        source: String,
        gossip: [Envelope],
        now: Date,
        into db: any SQLDatabase
    ) async throws -> Bool {
        let row = EquivocationRow(id: proof.id, origin: proof.origin, proof: proof.json, detectedAt: Milliseconds(now), source: source)
        let inserted = try await db.insert(into: "tlog_equivocations").model(row, with: .columns).ignoringConflicts(with: ["id"]).returning("id")
            .first()
        guard inserted != nil else { return false }
        try await raiseLogAlert(origin: proof.origin, kind: .equivocation, detail: proof.summary, now: now, into: db)
        try await queue(gossip, now: now, into: db)
        return true
    }

    /// Whether this node holds the proof already.
    public func holdsEquivocation(_ proof: EquivocationProof) async throws -> Bool {
        try await sql.value("SELECT id FROM tlog_equivocations WHERE id = \(bind: proof.id)", as: String.self) != nil
    }

    public func equivocations() async throws -> [EquivocationRecord] {
        try await sql.rows("SELECT * FROM tlog_equivocations ORDER BY detected_at DESC", as: EquivocationRow.self).map {
            EquivocationRecord(id: $0.id, origin: $0.origin, proof: $0.proof, detectedAt: $0.detectedAt.date, source: $0.source)
        }
    }
}

extension NodeStore {
    // MARK: Monitoring peers' logs

    /// Notes, in the transaction that accepted it, that `entry` should appear in the log of `origin`, its sender.
    static func expectInLog(of origin: String, _ entry: LogEntry, now: Date, into db: any SQLDatabase) async throws {
        try await db.run(
            """
            INSERT INTO tlog_expected (origin, leaf_hash, received_at) VALUES (\(bind: origin), \(bind: entry.leafHash.hex), \(bind: Milliseconds(now)))
            ON CONFLICT (origin, leaf_hash) DO NOTHING
            """
        )
    }

    /// How far this node has read a peer's log: the checkpoint it last verified every entry against, and the
    /// compact range of those entries, from which the next ones are checked.
    public struct MonitoredLog: Sendable {
        public let origin: String
        public let range: CompactRange
        public let checkpoint: SignedCheckpoint
        public let checkedAt: Date
    }

    struct MonitoredRow: Codable, Sendable {
        var origin: String
        var size: Int64
        var frontier: String
        var note: String
        var checkedAt: Milliseconds

        func monitored() throws -> MonitoredLog {
            guard let bytes = [UInt8](hex: frontier), bytes.count % Merkle.hashSize == 0 else {
                throw LogStorageError.corrupt("the frontier of \(origin)")
            }
            let hashes = stride(from: 0, to: bytes.count, by: Merkle.hashSize).map { Array(bytes[$0..<$0 + Merkle.hashSize]) }
            return MonitoredLog(
                origin: origin,
                range: try CompactRange(size: Int(size), hashes: hashes),
                checkpoint: try SignedCheckpoint(parsing: note),
                checkedAt: checkedAt.date
            )
        }
    }

    public func monitoredLogs() async throws -> [MonitoredLog] {
        try await sql.rows("SELECT * FROM tlog_monitored ORDER BY origin", as: MonitoredRow.self).map { try $0.monitored() }
    }

    public func monitoredLog(origin: String) async throws -> MonitoredLog? {
        try await sql.row("SELECT * FROM tlog_monitored WHERE origin = \(bind: origin)", as: MonitoredRow.self)?.monitored()
    }

    /// Records that the log of `origin` was read up to `checkpoint`, every entry hashing to it, and which of
    /// the documents expected there were found, in one transaction.
    public func advanceMonitoredLog(
        origin: String,
        to checkpoint: SignedCheckpoint,
        range: CompactRange,
        found leaves: [MerkleHash],
        now: Date
    ) async throws {
        let row = MonitoredRow(
            origin: origin,
            size: Int64(range.size),
            frontier: Array(range.hashes.joined()).hex,
            note: checkpoint.serialized,
            checkedAt: Milliseconds(now)
        )
        try await database.transaction { db in
            try await db.insert(into: "tlog_monitored").model(row, with: .columns)
                .onConflict(with: ["origin"]) { update in
                    update.set(excludedValueOf: "size").set(excludedValueOf: "frontier").set(excludedValueOf: "note").set(
                        excludedValueOf: "checked_at"
                    )
                }
                .run()
            for chunk in stride(from: 0, to: leaves.count, by: 500) {
                let hashes = leaves[chunk..<min(chunk + 500, leaves.count)].map(\.hex)
                try await db.run(
                    """
                    UPDATE tlog_expected SET found_at = \(bind: Milliseconds(now))
                    WHERE origin = \(bind: origin) AND found_at IS NULL AND leaf_hash IN (\(binds: hashes))
                    """
                )
            }
        }
    }

    /// Per origin, the documents received from it before `deadline` that its log does not show yet.
    public func unloggedDocuments(receivedBefore deadline: Date) async throws -> [(origin: String, count: Int, oldest: Date)] {
        struct Row: Decodable {
            var origin: String
            var count: Int64
            var oldest: Milliseconds
        }
        return try await sql.rows(
            """
            SELECT origin, COUNT(*) AS count, MIN(received_at) AS oldest FROM tlog_expected
            WHERE found_at IS NULL AND received_at < \(bind: Milliseconds(deadline)) GROUP BY origin ORDER BY origin
            """,
            as: Row.self
        ).map { ($0.origin, Int($0.count), $0.oldest.date) }
    }

    // MARK: Alerts

    public enum LogAlertKind: String, Codable, Sendable {
        /// A proof that the log showed two histories.
        case equivocation
        /// Documents received from the peer that its log does not show within the deadline.
        case unlogged
        /// The log serves entries, tiles or checkpoints that do not agree with each other.
        case inconsistent
    }

    public struct LogAlert: Codable, Sendable {
        public let origin: String
        public let kind: LogAlertKind
        public let detail: String
        public let raisedAt: Milliseconds
        public let lastRaisedAt: Milliseconds
        public let count: Int64
    }

    /// Raises the alert of this kind for `origin`, or updates the one there is: one per log and kind, with a
    /// count (`count` sets it; nil adds one).
    public func raiseLogAlert(origin: String, kind: LogAlertKind, detail: String, count: Int? = nil, now: Date) async throws {
        try await database.transaction { db in
            try await Self.raiseLogAlert(origin: origin, kind: kind, detail: detail, count: count, now: now, into: db)
        }
    }

    static func raiseLogAlert(origin: String, kind: LogAlertKind, detail: String, count: Int? = nil, now: Date, into db: any SQLDatabase) async throws
    {
        let alert = LogAlert(
            origin: origin,
            kind: kind,
            detail: String(detail.prefix(1000)),
            raisedAt: Milliseconds(now),
            lastRaisedAt: Milliseconds(now),
            count: Int64(count ?? 1)
        )
        let counted: SQLQueryString = count == nil ? "tlog_alerts.count + 1" : "excluded.count"
        try await db.run(
            """
            INSERT INTO tlog_alerts (origin, kind, detail, raised_at, last_raised_at, count)
            VALUES (\(bind: alert.origin), \(bind: alert.kind.rawValue), \(bind: alert.detail), \(bind: alert.raisedAt), \(bind: alert.lastRaisedAt), \(bind: alert.count))
            ON CONFLICT (origin, kind) DO UPDATE SET detail = excluded.detail, last_raised_at = excluded.last_raised_at, count = \(counted)
            """
        )
    }

    public func clearLogAlert(origin: String, kind: LogAlertKind) async throws {
        try await sql.run("DELETE FROM tlog_alerts WHERE origin = \(bind: origin) AND kind = \(bind: kind.rawValue)")
    }

    public func logAlerts() async throws -> [LogAlert] {
        try await sql.rows("SELECT * FROM tlog_alerts ORDER BY last_raised_at DESC", as: LogAlert.self)
    }

    /// What every page's banner shows, without loading the alerts.
    public func logAlertCount() async throws -> Int64 {
        try await sql.value("SELECT COUNT(*) FROM tlog_alerts", as: Int64.self) ?? 0
    }
}

/// What the log has computed or read that never changes once written: a tile of a given width (`TileCache`),
/// the root of a whole subtree (`SubtreeCache`). A proof at a million entries then reads from the database only
/// the tiles it has not needed before. Bounded: past `capacity` values it starts again.
public final class ImmutableCache<Key: Hashable, Value>: @unchecked Sendable {
    public let capacity: Int
    private let lock = NSLock()
    private var values: [Key: Value] = [:]

    public init(capacity: Int) { self.capacity = capacity }

    subscript(key: Key) -> Value? {
        get { lock.withLock { values[key] } }
        set {
            lock.withLock {
                if values.count >= capacity { values.removeAll(keepingCapacity: true) }
                values[key] = newValue
            }
        }
    }
}

/// Tiles by width: 4,096 at most 8 KiB each.
public typealias TileCache = ImmutableCache<Tile, [MerkleHash]>
/// Whole subtrees' roots: 65,536 of about 100 bytes.
public typealias SubtreeCache = ImmutableCache<Subtree, MerkleHash>

public enum LogStorageError: Error, CustomStringConvertible {
    case corrupt(String)

    public var description: String {
        switch self {
        case .corrupt(let what): "the log's storage is corrupt: \(what) is not what the log wrote"
        }
    }
}

extension NodeStore {
    // MARK: Audit

    /// What re-deriving the log from what this node stores found.
    public struct LogAudit: Sendable, Codable {
        /// Integrated entries, read and hashed.
        public var size = 0
        /// The root those entries hash to.
        public var root: MerkleHash = Merkle.emptyRoot
        /// Stored checkpoints whose root is not that of the entries up to their size.
        public var checkpointsContradicted: [Int] = []
        /// Whether the stored tiles give the same root.
        public var tilesAgree = true
        /// Per kind: documents held, and how many of them are in the log, waiting to be, or missing.
        public var documents: [String: DocumentCount] = [:]
        /// The first documents missing from the log, as their entries.
        public var missing: [String] = []
        /// Entries of each kind that no stored document gives (this node's own descriptor versions, key
        /// rotations, and peers' descriptors since replaced).
        public var notRederived: [String: Int] = [:]

        public struct DocumentCount: Sendable, Codable {
            public var held = 0
            public var logged = 0
            public var pending = 0
            public var missing = 0
        }
    }

    /// Re-derives the log from the stored entries (their hashes, the root of every checkpoint, the tiles)
    /// and from the stored documents (each must be logged or waiting to be), reading in chunks.
    public func auditLog(chunk: Int = 5_000) async throws -> LogAudit {
        var audit = LogAudit()
        struct CheckpointRoot: Decodable {
            var size: Int64
            var note: String
        }
        var checkpointRoots: [Int: MerkleHash] = [:]
        for row in try await sql.rows("SELECT size, note FROM tlog_checkpoints", as: CheckpointRoot.self) {
            checkpointRoots[Int(row.size)] = try SignedCheckpoint(parsing: row.note).checkpoint.root
        }
        if checkpointRoots[0].map({ $0 != Merkle.emptyRoot }) == true { audit.checkpointsContradicted.append(0) }
        var range = CompactRange()
        var derived: [String: Int] = [:]
        while true {
            let entries = try await logEntries(from: range.size, limit: chunk)
            for (index, text) in entries {
                guard index == range.size else { throw LogStorageError.corrupt("entry \(range.size) is missing") }
                let entry = try LogEntry(parsing: Array(text.utf8))
                derived[entry.kind.rawValue, default: 0] += 1
                range.append(entry.leafHash)
                if let root = checkpointRoots[range.size], root != range.root { audit.checkpointsContradicted.append(range.size) }
            }
            if entries.count < chunk { break }
        }
        audit.size = range.size
        audit.root = range.root
        let tree = TiledTree(size: range.size)
        audit.tilesAgree = (try? tree.root(in: try await tiles(tree.rootTiles, in: sql, cached: false))) == range.root
        // Every document held must be logged or pending.
        struct Held: Decodable { var document: String }
        let sources: [(LogEntry.Kind, SQLQueryString)] = [
            (.envelope, "SELECT wire AS document FROM envelopes"),
            (.caseEvent, "SELECT document FROM case_events"),
            (.recordEntry, "SELECT document FROM record_entries"),
            (.descriptor, "SELECT descriptor AS document FROM peers"),
        ]
        for (kind, query) in sources {
            var count = LogAudit.DocumentCount()
            let leaves = try await sql.rows(query, as: Held.self).map { LogEntry(kind: kind, document: Array($0.document.utf8)) }
            for start in stride(from: 0, to: leaves.count, by: 500) {
                let batch = Array(leaves[start..<min(start + 500, leaves.count)])
                let hashes = batch.map(\.leafHash.hex)
                struct Leaf: Decodable { var leafHash: String }
                let logged = Set(
                    try await sql.rows("SELECT leaf_hash FROM tlog_entries WHERE leaf_hash IN (\(binds: hashes))", as: Leaf.self).map(\.leafHash)
                )
                let pending = Set(
                    try await sql.rows("SELECT leaf_hash FROM tlog_pending WHERE leaf_hash IN (\(binds: hashes))", as: Leaf.self).map(\.leafHash)
                )
                for entry in batch {
                    count.held += 1
                    let hash = entry.leafHash.hex
                    if logged.contains(hash) {
                        count.logged += 1
                    } else if pending.contains(hash) {
                        count.pending += 1
                    } else {
                        count.missing += 1
                        if audit.missing.count < 20 { audit.missing.append(entry.description) }
                    }
                }
            }
            audit.documents[kind.rawValue] = count
            derived[kind.rawValue, default: 0] -= count.logged
        }
        audit.notRederived = derived.filter { $0.value > 0 }
        return audit
    }
}
