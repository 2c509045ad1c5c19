import EntenteProtocol
import Federation
import Foundation
import Logging
import Storage
import TransparencyLog

/// Reads every pinned peer's log as any tlog-tiles monitor would, trusting nothing it did not check:
/// the checkpoint against the peer's pinned key, every entry by hashing it into the tree this node keeps of
/// that log (`CompactRange`), and the root that gives against the checkpoint and against every checkpoint
/// this node cosigned for that log. What it finds:
///
/// - documents received from the peer are marked found in its log; those not found by the deadline are an
///   alert (`unlogged`);
/// - a checkpoint that contradicts one this node saw is turned into a proof of equivocation from the peer's
///   own tiles, kept and gossiped; entries that do not hash to their checkpoint are an alert (`inconsistent`).
public struct LogMonitor: Sendable {
    let log: TransparencyLogService
    /// How long a peer has to log a document it sent before this node raises an alert.
    let inclusionDeadline: Duration

    var store: NodeStore { log.store }

    /// The most entries read from one log in one pass; the rest waits for the next.
    static let maximumEntriesPerPass = 1 << 18

    public init(log: TransparencyLogService, inclusionDeadline: Duration) {
        self.log = log
        self.inclusionDeadline = inclusionDeadline
    }

    /// One pass over every pinned peer's log, then the alerts for what is still unlogged.
    public func run(now: Date) async throws {
        for peer in await log.peers.all() {
            do {
                try await monitor(peer, now: now)
            } catch {
                log.logger.notice("could not read a peer's log", metadata: ["peer": "\(peer.record.id)", "error": "\(error)"])
            }
        }
        try await raiseUnloggedAlerts(now: now)
    }

    func monitor(_ peer: PeerDirectory.Peer, now: Date) async throws {
        let origin = TransparencyLogService.origin(of: peer.record.id)
        let key = TransparencyLogService.logKey(of: peer.descriptor)
        let fetched = try await log.fetch(peer, "/tlog/checkpoint", limit: SignedNote.maximumSize)
        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint(parsing: String(decoding: fetched, as: UTF8.self))
            try checkpoint.verify(log: key)
        } catch {
            return try await store.raiseLogAlert(
                origin: origin,
                kind: .inconsistent,
                detail: "its checkpoint does not verify with its pinned key: \(error)",
                now: now
            )
        }
        let held = try await store.monitoredLog(origin: origin)
        var range = held?.range ?? CompactRange()
        let size = checkpoint.checkpoint.size
        // What this node saw before of this log must agree with what it is shown now.
        if let held, size < range.size {
            return try await store.raiseLogAlert(
                origin: origin,
                kind: .inconsistent,
                detail: "it shows a checkpoint of \(size) entries after one of \(range.size)",
                now: now
            )
        }
        if let cosigned = try await store.witnessedCheckpoint(origin: origin, size: size), cosigned.checkpoint.root != checkpoint.checkpoint.root {
            return try await log.raiseEquivocation(EquivocationProof(first: cosigned, second: checkpoint, path: []), source: "monitor", now: now)
        }
        if let held, size == range.size {
            if held.checkpoint.checkpoint.root != checkpoint.checkpoint.root {
                try await log.raiseEquivocation(EquivocationProof(first: held.checkpoint, second: checkpoint, path: []), source: "monitor", now: now)
            }
            return
        }
        // Read the new entries, hashing each into the tree: its root at the checkpoint's size must be the
        // checkpoint's, and at every size this node cosigned, the root it cosigned.
        let cosignedRoots = try await store.witnessedRoots(origin: origin, above: range.size, upTo: size)
        var found: [MerkleHash] = []
        let end = min(size, range.size + Self.maximumEntriesPerPass)
        while range.size < end {
            let tile = Tile.holding(level: 0, hashIndex: range.size, treeSize: size)
            let bundle = try await log.fetch(peer, "/tlog/" + tile.entriesPath, limit: 2 * Tile.fullWidth * 130)
            let entries = try LogEntry.entries(ofBundle: bundle, count: tile.width)
            for bytes in entries.dropFirst(range.size - tile.index * Tile.fullWidth) {
                let leaf = Merkle.leafHash(bytes)
                range.append(leaf)
                if (try? LogEntry(parsing: bytes))?.kind == .envelope { found.append(leaf) }
                if let root = cosignedRoots[range.size], root.checkpoint.root != range.root {
                    return try await log.proveFork(cosigned: root, shown: checkpoint, peer: peer, now: now)
                }
            }
        }
        guard range.size == size else {
            // A long log is read over several passes; what was read is kept only once a checkpoint vouches for it.
            return
        }
        guard range.root == checkpoint.checkpoint.root else {
            if let held { return try await log.proveFork(cosigned: held.checkpoint, shown: checkpoint, peer: peer, now: now) }
            return try await store.raiseLogAlert(
                origin: origin,
                kind: .inconsistent,
                detail: "its entries do not hash to its checkpoint of \(size)",
                now: now
            )
        }
        try await store.advanceMonitoredLog(origin: origin, to: checkpoint, range: range, found: found, now: now)
    }

    /// For each peer, the documents it sent that its log does not show after the deadline; an alert that no
    /// longer holds is cleared.
    func raiseUnloggedAlerts(now: Date) async throws {
        let (seconds, attoseconds) = inclusionDeadline.components
        let deadline = now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
        let unlogged = try await store.unloggedDocuments(receivedBefore: deadline)
        for (origin, count, oldest) in unlogged {
            try await store.raiseLogAlert(
                origin: origin,
                kind: .unlogged,
                detail:
                    "\(count) document(s) it sent, the oldest received \(Timestamp.format(oldest)), are not in its log after \(inclusionDeadline)",
                count: count,
                now: now
            )
        }
        for alert in try await store.logAlerts() where alert.kind == .unlogged && !unlogged.contains(where: { $0.origin == alert.origin }) {
            try await store.clearLogAlert(origin: alert.origin, kind: .unlogged)
        }
    }
}
