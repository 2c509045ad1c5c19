import Crypto
import EntenteProtocol
import Foundation
import SQLKit
import Testing
import TransparencyLog

@testable import Storage

/// The transparency log's storage, on both databases: entries exist exactly when their documents do,
/// integration in batches builds the tree the leaves define, tiles and proofs served from storage verify,
/// and a witness keeps what it cosigned and the forks it was shown.
@Suite("Transparency log storage")
struct LogStoreTests {
    static let signer = try! NoteSigner(name: "entente/EST", key: Curve25519.Signing.PrivateKey())

    @Test(arguments: Backend.available)
    func anEntryIsAppendedWithItsDocumentOrNotAtAll(backend: Backend) async throws {
        try await withStore(backend) { store in
            struct Refused: Error {}
            let lost = try envelope()
            await #expect(throws: Refused.self) {
                try await store.database.transaction { db in
                    try await NodeStore.insertEnvelope(lost, direction: .outgoing, now: Date(), into: db)
                    throw Refused()
                }
            }
            #expect(try await store.pendingLogEntries() == 0)
            let kept = try envelope()
            // Received, then replayed: the replay stores nothing and appends nothing.
            for _ in 0..<2 { _ = try await store.database.transaction { db in try await NodeStore.insertEnvelopeOnce(kept, now: Date(), into: db) } }
            #expect(try await store.pendingLogEntries() == 1)
            let checkpoint = try #require(try await store.integrateLog(signer: Self.signer, now: Date()))
            let entry = LogEntry(kind: .envelope, document: kept.json.canonicalBytes)
            #expect(checkpoint.checkpoint.size == 1 && checkpoint.checkpoint.root == entry.leafHash)
            #expect(try await store.logIndex(of: entry) == 0)
            #expect(try await store.integrateLog(signer: Self.signer, now: Date()) == nil, "nothing pending, no new checkpoint")
        }
    }

    /// 700 entries integrated 300 at a time: every checkpoint is the root of the leaves in log order, every
    /// tile and bundle served hashes up to it, and proofs computed from stored tiles verify.
    @Test(arguments: Backend.available)
    func batchesBuildTheTreeTheLeavesDefine(backend: Backend) async throws {
        try await withStore(backend) { store in
            let entries = (0..<700).map { LogEntry(kind: .recordEntry, document: Array("entry \($0)".utf8)) }
            for chunk in stride(from: 0, to: entries.count, by: 100) {
                try await store.database.transaction { db in
                    try await NodeStore.appendToLog(Array(entries[chunk..<chunk + 100]), now: Date(timeIntervalSince1970: Double(chunk)), into: db)
                }
            }
            var checkpoints: [SignedCheckpoint] = []
            while let checkpoint = try await store.integrateLog(signer: Self.signer, batch: 300, now: Date()) {
                try checkpoint.verify(log: Self.signer.verifier)
                checkpoints.append(checkpoint)
            }
            #expect(checkpoints.map(\.checkpoint.size) == [300, 600, 700])
            let logged = try await store.logEntries(from: 0, limit: 1000)
            #expect(logged.map(\.index) == Array(0..<700))
            #expect(Set(logged.map(\.entry)) == Set(entries.map(\.description)))
            let leaves = try logged.map { try LogEntry(parsing: Array($0.entry.utf8)).leafHash }
            for checkpoint in checkpoints {
                let size = checkpoint.checkpoint.size
                #expect(checkpoint.checkpoint.root == Merkle.root(leaves[..<size]))
                for index in [0, 255, 256, size - 1] {
                    let proof = try await store.logInclusionProof(index, size: size)
                    try Merkle.verifyInclusion(leaf: leaves[index], index: index, size: size, proof: proof, root: checkpoint.checkpoint.root)
                }
            }
            let proof = try await store.logConsistencyProof(from: 300, to: 700)
            try Merkle.verifyConsistency(
                oldSize: 300,
                newSize: 700,
                oldRoot: checkpoints[0].checkpoint.root,
                newRoot: checkpoints[2].checkpoint.root,
                proof: proof
            )
            // Tiles: two full level-0 tiles, the partial one of 188, and one of width 2 above; a narrower partial
            // tile (of an earlier checkpoint) is the prefix of the wider one.
            let full = try #require(try await store.logTile(Tile(level: 0, index: 1)))
            #expect(full.count == 256 * 32 && Array(full[0..<32]) == leaves[256])
            #expect(try await store.logTile(Tile(level: 0, index: 2, width: 188))?.count == 188 * 32)
            #expect(try await store.logTile(Tile(level: 0, index: 2, width: 44))?.count == 44 * 32)
            #expect(try await store.logTile(Tile(level: 0, index: 2, width: 189)) == nil, "nothing beyond the tree is served")
            #expect(try await store.logTile(Tile(level: 1, index: 0, width: 2))?.count == 64)
            let bundle = try #require(try await store.logEntryBundle(Tile(level: 0, index: 2, width: 188)))
            #expect(try LogEntry.entries(ofBundle: bundle, count: 188).map { Merkle.leafHash($0) } == Array(leaves[512..<700]))
        }
    }

    @Test(arguments: Backend.available)
    func theDocumentsHeldBeforeTheLogAreAppendedOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            let held = try envelope()
            // As a database from before the log holds it: the row without the log's entry.
            try await store.database.sql.insert(into: "envelopes", NodeStore.EnvelopeRow(held, direction: .incoming, now: Date()))
            try await store.appendHeldDocumentsToLog()
            try await store.appendHeldDocumentsToLog()
            #expect(try await store.pendingLogEntries() == 1)
            _ = try await store.integrateLog(signer: Self.signer, now: Date())
            #expect(try await store.logIndex(of: LogEntry(kind: .envelope, document: held.json.canonicalBytes)) == 0)
        }
    }

    @Test(arguments: Backend.available)
    func aWitnessKeepsWhatItCosignedAndTheForksItWasShown(backend: Backend) async throws {
        try await withStore(backend) { store in
            let witness = try Cosigner(name: "entente/LVA/witness", key: Curve25519.Signing.PrivateKey())
            let honest = (0..<9).map { LogEntry(kind: .caseEvent, document: Array("event \($0)".utf8)).leafHash }
            var forked = honest
            forked[2] = LogEntry(kind: .caseEvent, document: Array("a withdrawn commitment".utf8)).leafHash
            func checkpoint(_ leaves: ArraySlice<MerkleHash>) throws -> SignedCheckpoint {
                try SignedCheckpoint(Checkpoint(origin: "entente/EST", size: leaves.count, root: Merkle.root(leaves)), signedBy: Self.signer)
            }
            func submit(_ request: AddCheckpointRequest) async throws -> Result<SignedNote.Signature, WitnessRefusal> {
                try await store.witness(
                    request,
                    decide: { latest, sameSize throws(WitnessRefusal) in
                        try Witness.add(request, log: Self.signer.verifier, latest: latest, sameSize: sameSize, cosigner: witness, now: Date())
                    },
                    now: Date()
                )
            }
            #expect(
                try await submit(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: checkpoint(honest[..<5]))).get().name
                    == "entente/LVA/witness"
            )
            let nine = try checkpoint(honest[...])
            _ = try await submit(AddCheckpointRequest(oldSize: 5, proof: Merkle.consistencyProof(from: 5, in: honest[...]), checkpoint: nine)).get()
            #expect(try await store.witnessedCheckpoints().map(\.checkpoint.checkpoint.size) == [9])
            // The same size with another root: refused, and the two kept as a proof that verifies.
            let fork = try checkpoint(forked[...])
            guard case .failure(.forked(let proof)) = try await submit(AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: fork)) else {
                Issue.record("the fork was not refused as one")
                return
            }
            #expect(try await store.recordEquivocation(proof, source: "witnessed", now: Date()))
            let kept = try await store.equivocations()
            #expect(kept.count == 1 && kept[0].origin == "entente/EST" && kept[0].source == "witnessed")
            try EquivocationProof(json: kept[0].proof).verify(log: Self.signer.verifier)
            #expect(try await store.logAlerts().map(\.kind) == [.equivocation])
            // Shown again, it is the same proof, kept once (the other way round too); the log's honest history
            // goes on being cosigned.
            guard case .failure(.forked(let again)) = try await submit(AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: fork)) else { return }
            #expect(
                try await store.recordEquivocation(EquivocationProof(first: again.second, second: again.first, path: []), source: "LTU", now: Date())
                    == false
            )
            #expect(try await store.equivocations().count == 1)
            #expect(try await store.logAlerts().first?.count == 1)
            #expect(try await store.witnessedCheckpoint(origin: "entente/EST", size: 9) == nine)
        }
    }
}
