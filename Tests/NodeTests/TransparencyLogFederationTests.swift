import AsyncHTTPClient
import Crypto
import EntenteProtocol
import Foundation
import SQLKit
import Storage
import Testing
import TransparencyLog

@testable import Node

/// Every node's transparency log, witnessed by its peers over C2SP tlog-witness, on loopback.
@Suite("Transparency log on loopback", .serialized)
struct TransparencyLogFederationTests {
    static func quick(_ node: TestNode) { node.options.logInterval = .milliseconds(100) }

    /// The tiles of `tree` that `ranges` need, fetched from a node as any tlog-tiles client would.
    static func fetchTiles(_ tiles: Set<Tile>, from node: TestNode) async throws -> [Tile: [MerkleHash]] {
        var fetched: [Tile: [MerkleHash]] = [:]
        for tile in tiles {
            let raw = try await rawBody(node.url + "/tlog/" + tile.path)
            fetched[tile] = stride(from: 0, to: raw.count, by: 32).map { Array(raw[$0..<$0 + 32]) }
        }
        return fetched
    }

    @Test func everyNodeLogsWhatItSendsAndAcceptsAndItsPeersCosignIt() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"], configure: Self.quick)
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let id = try await estonia.service.send(notification, composedBy: "Kadri", role: .diplomaticPOC)[0]
        try await eventually("both recipients returned receipts") {
            try await estonia.server.store.message(id)?.deliveries.allSatisfy { $0.deliveredAt != nil } == true
        }
        let wire = try #require(
            try await estonia.server.store.database.sql.value("SELECT wire FROM envelopes WHERE id = \(bind: id)", as: String.self)
        )
        let entry = LogEntry(kind: .envelope, document: Array(wire.utf8))

        // The sender logged what it signed and each recipient what it accepted; each log's checkpoint that
        // covers it is cosigned by a majority of the others, as Latvia checks with its own pins.
        for node in federation.nodes {
            let policy = try #require(await latvia.server.transparencyLog.policy(for: node.id))
            var covering: (checkpoint: SignedCheckpoint, index: Int)?
            try await eventually("\(node.id)'s log holds the envelope under a checkpoint a quorum cosigned") {
                guard let index = try await node.server.store.logIndex(of: entry) else { return false }
                let checkpoint = try SignedCheckpoint(parsing: try await http(.GET, node.url + "/tlog/checkpoint").body)
                guard checkpoint.checkpoint.size > index, try policy.verify(checkpoint).quorumMet else { return false }
                covering = (checkpoint, index)
                return true
            }
            let (checkpoint, index) = try #require(covering)
            // Any tlog-tiles client proves the inclusion from the node's tiles alone.
            let tree = TiledTree(size: checkpoint.checkpoint.size)
            let tiles = try await Self.fetchTiles(tree.tiles(for: Merkle.inclusionRanges(index, size: tree.size)).union(tree.rootTiles), from: node)
            #expect(try tree.root(in: tiles) == checkpoint.checkpoint.root)
            try Merkle.verifyInclusion(
                leaf: entry.leafHash,
                index: index,
                size: tree.size,
                proof: try tree.inclusionProof(index, in: tiles),
                root: checkpoint.checkpoint.root
            )
            let bundleTile = Tile.holding(level: 0, hashIndex: index, treeSize: tree.size)
            let bundle = try await rawBody(node.url + "/tlog/" + bundleTile.entriesPath)
            #expect(try LogEntry.entries(ofBundle: bundle, count: bundleTile.width).contains(entry.bytes))
        }
    }

    /// A hostile Estonia shows Latvia a checkpoint of a size Latvia cosigned, with another root: Latvia refuses
    /// it, keeps the two as a proof that verifies with Estonia's pinned key alone, and goes on witnessing
    /// Estonia's honest log. The other refusals of tlog-witness, each with its status.
    @Test func aForkShownToAWitnessIsRefusedKeptAndProvable() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"], configure: Self.quick)
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        var seen: SignedCheckpoint?
        try await eventually("Latvia has cosigned a checkpoint of Estonia's") {
            seen = try await latvia.server.store.witnessedCheckpoints().first { $0.checkpoint.checkpoint.origin == "entente/EST" }?.checkpoint
            return seen != nil
        }
        let shown = try #require(seen).checkpoint
        let estoniaSigns = try NoteSigner(name: "entente/EST", key: estonia.server.identity.keys.signing)
        let endpoint = latvia.url + "/tlog/witness/add-checkpoint"

        let forked = try SignedCheckpoint(
            Checkpoint(origin: "entente/EST", size: shown.size, root: Array(SHA256.hash(data: Data("another history".utf8)))),
            signedBy: estoniaSigns
        )
        let refused = try await http(.POST, endpoint, body: AddCheckpointRequest(oldSize: shown.size, proof: [], checkpoint: forked).body)
        #expect(refused.status == 409)
        let kept = try await latvia.server.store.equivocations()
        #expect(kept.count == 1 && kept.first?.origin == "entente/EST")
        let pinned = try #require(await latvia.server.transparencyLog.policy(for: estonia.id)).logs[0]
        try EquivocationProof(json: try #require(kept.first).proof).verify(log: pinned)
        // Gossiped: Lithuania, which was never shown the fork, holds the proof from Latvia and raises the alert.
        let lithuania = federation["LTU"]
        try await eventually("Lithuania holds the proof Latvia sent") {
            try await lithuania.server.store.equivocations().first?.source == "LVA"
        }
        #expect(try await lithuania.server.store.logAlerts().map(\.kind) == [.equivocation])

        let stranger = try NoteSigner(name: "entente/EST", key: Curve25519.Signing.PrivateKey())
        let unknown = try NoteSigner(name: "entente/XXX", key: Curve25519.Signing.PrivateKey())
        let signedByStranger = try SignedCheckpoint(Checkpoint(origin: "entente/EST", size: shown.size + 1, root: shown.root), signedBy: stranger)
        let ofUnknownLog = try SignedCheckpoint(Checkpoint(origin: "entente/XXX", size: 1, root: shown.root), signedBy: unknown)
        for (body, status) in [
            (AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: signedByStranger).body, 403),
            (AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: ofUnknownLog).body, 404),
            ("old 1\nnot base64\n\n" + forked.serialized, 400),
            (String(repeating: "x", count: 70_000), 413),
        ] {
            #expect(try await http(.POST, endpoint, body: body).status == status, "\(body.prefix(40))")
        }
        // Claiming Latvia saw another size: 409 with the size it holds, as text/x.tlog.size.
        let latest = try #require(try await latvia.server.store.witnessedCheckpoints().first { $0.checkpoint.checkpoint.origin == "entente/EST" })
        let honest = try #require(try await estonia.server.store.latestCheckpoint()).withoutCosignatures
        let mismatch = try await http(.POST, endpoint, body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: honest).body)
        if latest.checkpoint.checkpoint.size > 0 {
            #expect(mismatch.status == 409 && mismatch.headers.first(name: "Content-Type") == "text/x.tlog.size")
        }
        #expect(try await http(.GET, latvia.url + "/tlog/tile/0/x000/001").status == 404)
        #expect(try await http(.GET, latvia.url + "/tlog/tile/64/000").status == 404)

        // Honest traffic goes on: Estonia's next checkpoint is cosigned by Latvia as before.
        let before = shown.size
        _ = try await estonia.service.send(notification, composedBy: "Kadri", role: .diplomaticPOC)
        try await eventually("Latvia cosigns Estonia's next checkpoint") {
            let status = try await estonia.server.store.cosigners().first { $0.witness == "LVA" }
            return (status?.size ?? 0) > before && status?.lastError == nil
        }
    }
}

extension TransparencyLogFederationTests {
    /// Estonia shows its witnesses one history and whoever reads its log another: it replaces its latest
    /// checkpoint, as served, with one of the same size and another root. Latvia's monitor reads it, finds that
    /// it contradicts the checkpoint Latvia cosigned, and holds a proof that it gossips.
    @Test func aLogShowingMonitorsAnotherHistoryThanItsWitnessesIsCaught() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"]) { node in
            Self.quick(node)
            node.options.logMonitorInterval = .milliseconds(200)
        }
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania) = (federation["EST"], federation["LVA"], federation["LTU"])
        var cosigned: SignedCheckpoint?
        try await eventually("Latvia has cosigned Estonia's latest checkpoint") {
            guard let latest = try await estonia.server.store.latestCheckpoint() else { return false }
            cosigned = try await latvia.server.store.witnessedCheckpoint(origin: "entente/EST", size: latest.checkpoint.size)
            return cosigned != nil
        }
        let shown = try #require(cosigned).checkpoint
        let other = try SignedCheckpoint(
            Checkpoint(origin: "entente/EST", size: shown.size, root: Array(SHA256.hash(data: Data("what monitors are shown".utf8)))),
            signedBy: try NoteSigner(name: "entente/EST", key: estonia.server.identity.keys.signing)
        )
        try await estonia.server.store.database.sql.run(
            "UPDATE tlog_checkpoints SET note = \(bind: other.serialized) WHERE size = \(bind: Int64(shown.size))"
        )
        for node in [latvia, lithuania] {
            try await eventually("\(node.id) holds the proof") { try await node.server.store.equivocations().count == 1 }
            let proof = try EquivocationProof(json: try #require(try await node.server.store.equivocations().first).proof)
            try proof.verify(log: try #require(await node.server.transparencyLog.policy(for: estonia.id)).logs[0])
        }
    }

    /// Estonia sends Latvia two messages and leaves the first out of its log. Latvia finds the second in
    /// Estonia's log, and after the deadline raises an alert for the first, counted, naming Estonia.
    @Test func aDocumentThePeerNeverLoggedRaisesAnAlert() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"]) { node in
            node.options.logInterval = .seconds(3)
            node.options.logMonitorInterval = .milliseconds(200)
            node.options.logInclusionDeadline = .seconds(1)
        }
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        var draft = notification
        draft.to = [latvia.id]
        let hidden = try await estonia.service.send(draft, composedBy: "Kadri", role: .diplomaticPOC)[0]
        let wire = try #require(
            try await estonia.server.store.database.sql.value("SELECT wire FROM envelopes WHERE id = \(bind: hidden)", as: String.self)
        )
        let leaf = LogEntry(kind: .envelope, document: Array(wire.utf8)).leafHash.hex
        // Hostile: the entry is taken out before Estonia's log integrates it.
        try await estonia.server.store.database.sql.run("DELETE FROM tlog_pending WHERE leaf_hash = \(bind: leaf)")
        let logged = try await estonia.service.send(draft, composedBy: "Kadri", role: .diplomaticPOC)[0]
        try await eventually("Latvia alerts on the unlogged message") {
            try await latvia.server.store.logAlerts().contains { $0.kind == .unlogged && $0.origin == "entente/EST" && $0.count == 1 }
        }
        try await eventually("Latvia found the logged one") {
            try await latvia.server.store.database.sql.value(
                "SELECT COUNT(*) FROM tlog_expected WHERE found_at IS NOT NULL AND origin = 'entente/EST'",
                as: Int64.self
            ) == 1
        }
        #expect(logged != hidden)
        #expect(try await latvia.server.store.unloggedDocuments(receivedBefore: Date().addingTimeInterval(3600)).map(\.count) == [1])
    }
}

extension TransparencyLogFederationTests {
    /// A node's own quorum is its operator's (`serve --witness-quorum`); every other log is held to a majority.
    @Test func aNodesQuorumIsItsOperatorsForItsOwnLogOnly() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"]) { node in
            Self.quick(node)
            if node.id.rawValue == "EST" { node.options.witnessQuorum = 1 }
        }
        defer { Task { await federation.stop() } }
        let estonia = federation["EST"]
        let own = try #require(await estonia.server.transparencyLog.policy(for: estonia.id))
        #expect(own.groups.first?.threshold == 1 && own.text.contains("group witnesses any LTU LVA"))
        #expect(try #require(await estonia.server.transparencyLog.policy(for: federation["LVA"].id)).groups.first?.threshold == 2)
        try await eventually("Estonia's latest checkpoint meets its quorum") {
            try await estonia.server.transparencyLog.status(now: Date()).quorumMet
        }
    }
}

/// A response body as bytes: tiles are binary.
func rawBody(_ url: String) async throws -> [UInt8] {
    let response = try await testClient.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    return Array(try await response.body.collect(upTo: 1 << 20).readableBytesView)
}
