import Crypto
import Foundation
import Testing

@testable import TransparencyLog

/// Leaf hashes of `count` distinct entries.
func leaves(_ count: Int, salt: String = "") -> [MerkleHash] {
    (0..<count).map { LogEntry(kind: .envelope, document: Array("\(salt)document \($0)".utf8)).leafHash }
}

/// A tree's tiles grown the way a log grows them: in batches of the given sizes, each batch extending the
/// right-edge tiles the batch before wrote.
func growTiles(_ leaves: [MerkleHash], batches: [Int]) throws -> [Tile: [MerkleHash]] {
    var tiles: [Tile: [MerkleHash]] = [:]
    var size = 0
    for batch in batches {
        let edge = Dictionary(uniqueKeysWithValues: TiledTree.edgeTiles(of: size).map { ($0, tiles[$0]!) })
        let added = Array(leaves[size..<size + batch])
        for (tile, hashes) in try TiledTree.grow(from: size, edge: edge, by: added) {
            // A wider tile replaces the partial one it extends, as a log's storage does.
            tiles = tiles.filter { $0.key.level != tile.level || $0.key.index != tile.index }
            tiles[tile] = hashes
        }
        size += batch
    }
    return tiles
}

/// The tiles a tree of `size` serves, from the tiles of a larger tree: a partial tile is a prefix of the
/// wider one, as a log serves `.p/<W>` from what it holds.
func tiles(_ needed: Set<Tile>, from held: [Tile: [MerkleHash]]) -> [Tile: [MerkleHash]] {
    Dictionary(
        uniqueKeysWithValues: needed.map { tile in
            let wider = held.first { $0.key.level == tile.level && $0.key.index == tile.index && $0.key.width >= tile.width }!
            return (tile, Array(wider.value.prefix(tile.width)))
        }
    )
}

@Suite("Tiles (C2SP tlog-tiles)")
struct TileTests {
    @Test func pathsAreWrittenAndReadAsTheSpecSays() throws {
        #expect(Tile(level: 0, index: 1_234_067).path == "tile/0/x001/x234/067")
        #expect(Tile(level: 2, index: 5, width: 17).path == "tile/2/005.p/17")
        #expect(Tile(level: 0, index: 0, width: 1).entriesPath == "tile/entries/000.p/1")
        #expect(try Tile.parse(index: ["x001", "x234", "067"]) == (1_234_067, 256))
        #expect(try Tile.parse(index: ["005.p", "17"]) == (5, 17))
        for bad: [Substring] in [
            ["x000", "001"], ["1"], ["0001"], ["001", "002"], ["x01", "002"], ["005.p", "256"], ["005.p", "017"], ["005.p", "0"], [],
        ] {
            #expect(throws: TileError.malformedPath, "\(bad)") { try Tile.parse(index: bad) }
        }
    }

    /// The specification's example: a tree of 70,000 leaves.
    @Test func aTreeOf70000HasTheTilesTheSpecLists() throws {
        let tree = try growTiles(leaves(70_000), batches: [1, 255, 1000, 68_744])
        #expect(tree.keys.filter { $0.level == 0 && $0.width == 256 }.count == 273)
        #expect(tree.keys.contains(Tile(level: 0, index: 273, width: 112)))
        #expect(tree.keys.contains(Tile(level: 1, index: 0)))
        #expect(tree.keys.contains(Tile(level: 1, index: 1, width: 17)))
        #expect(tree.keys.contains(Tile(level: 2, index: 0, width: 1)))
        #expect(tree.count == 273 + 1 + 1 + 1 + 1)
    }

    /// Roots and proofs computed from tiles equal those computed from the leaves, for every size of a tree
    /// grown in uneven batches across tile boundaries.
    @Test func rootsAndProofsFromTilesEqualThoseFromLeaves() throws {
        let all = leaves(700)
        let held = try growTiles(all, batches: [3, 250, 3, 1, 256, 187])
        for size in [1, 2, 3, 255, 256, 257, 300, 511, 512, 513, 700] {
            let tree = TiledTree(size: size)
            let slice = all[..<size]
            #expect(try tree.root(in: tiles(tree.rootTiles, from: held)) == Merkle.root(slice))
            for index in [0, size / 3, size - 1] {
                let needed = tree.tiles(for: Merkle.inclusionRanges(index, size: size))
                #expect(try tree.inclusionProof(index, in: tiles(needed, from: held)) == Merkle.inclusionProof(index, in: slice))
            }
            for old in [0, 1, size / 2, size - 1, size] where old <= size {
                let needed = tree.tiles(for: Merkle.consistencyRanges(from: old, to: size))
                #expect(try tree.consistencyProof(from: old, in: tiles(needed, from: held)) == Merkle.consistencyProof(from: old, in: slice))
            }
        }
    }

    @Test func aCompactRangeHasTheRootOfEverySize() throws {
        let all = leaves(300)
        var range = CompactRange()
        for (index, leaf) in all.enumerated() {
            range.append(leaf)
            #expect(range.root == Merkle.root(all[...index]), "size \(index + 1)")
            #expect(range.hashes.count == (index + 1).nonzeroBitCount)
        }
        #expect(try CompactRange(size: range.size, hashes: range.hashes) == range)
        #expect(throws: ProofError.self) { try CompactRange(size: 5, hashes: [all[0]]) }
        #expect(CompactRange().root == Merkle.emptyRoot)
    }

    @Test func aMissingOrShortTileIsNamed() throws {
        let tree = TiledTree(size: 200)
        let tile = Tile(level: 0, index: 0, width: 200)
        #expect(throws: TileError.missing(tile)) { try tree.root(in: [:]) }
        #expect(throws: TileError.malformedTile(tile)) { try tree.root(in: [tile: Array(leaves(199))]) }
    }

    @Test func entriesAndBundlesRoundTrip() throws {
        let entry = LogEntry(kind: .caseEvent, document: Array("{}".utf8))
        #expect(entry.description == "case-event 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        #expect(try LogEntry(parsing: entry.bytes) == entry)
        for bad in [
            "case-event 44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A", "case-event  ab",
            "ballot " + String(repeating: "0", count: 64),
        ] {
            #expect(throws: LogEntryError.malformed) { try LogEntry(parsing: Array(bad.utf8)) }
        }
        let bundle = LogEntry.bundle([entry.bytes, [], Array("x".utf8)])
        #expect(try LogEntry.entries(ofBundle: bundle, count: 3) == [entry.bytes, [], Array("x".utf8)])
        #expect(throws: LogEntryError.malformedBundle) { try LogEntry.entries(ofBundle: bundle, count: 2) }
        #expect(throws: LogEntryError.malformedBundle) { try LogEntry.entries(ofBundle: Array(bundle.dropLast()), count: 3) }
    }
}

@Suite("Checkpoints, cosignatures, policies and witnesses (C2SP)")
struct WitnessTests {
    static let logKey = Curve25519.Signing.PrivateKey()
    static let log = try! NoteSigner(name: "entente/EST", key: logKey)
    static let witnessLVA = try! Cosigner(name: "entente/LVA", key: Curve25519.Signing.PrivateKey())
    static let now = Date(timeIntervalSince1970: 1_764_000_000)

    static func checkpoint(_ leaves: [MerkleHash], signedBy signer: NoteSigner = log) throws -> SignedCheckpoint {
        try SignedCheckpoint(Checkpoint(origin: "entente/EST", size: leaves.count, root: Merkle.root(leaves[...])), signedBy: signer)
    }

    @Test func aCheckpointIsTheSpecsThreeLinesAndRoundTrips() throws {
        let signed = try Self.checkpoint(leaves(5))
        let lines = signed.checkpoint.text.split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "entente/EST" && lines[1] == "5")
        let parsed = try SignedCheckpoint(parsing: signed.serialized)
        #expect(parsed == signed)
        try parsed.verify(log: Self.log.verifier)
        for bad in ["entente/EST\n05\nAAAA\n", "entente/EST\n5\n", "entente EST\n5\n\(Data(Merkle.emptyRoot).base64EncodedString())\n"] {
            #expect(throws: NoteError.self) { try Checkpoint(text: bad) }
        }
    }

    @Test func aCosignatureIsTimestampedAndIsNeverALogSignature() throws {
        let signed = try Self.checkpoint(leaves(5))
        let cosignature = try Self.witnessLVA.cosign(signed.checkpoint, at: Self.now)
        #expect(cosignature.bytes.count == 72)
        let cosigned = signed.adding([cosignature])
        let found = try SignedCheckpoint(parsing: cosigned.serialized).cosignatures(by: [Self.witnessLVA.key])
        #expect(found.count == 1 && found[0].time == Self.now)
        // The witness's key under the log-signature algorithm has another key ID: the cosignature is ignored.
        let sameKeyAsLog = try NoteVerifier(name: "entente/LVA", key: Self.witnessLVA.key.key)
        #expect(sameKeyAsLog.keyID != Self.witnessLVA.key.keyID)
        #expect(try cosigned.note.verified(by: [sameKeyAsLog]).isEmpty)
        // Altered in transit: the cosignature of a known witness no longer verifies, and that is a forgery.
        let altered = SignedCheckpoint(
            checkpoint: Checkpoint(origin: "entente/EST", size: 6, root: signed.checkpoint.root),
            note: SignedNote(text: Checkpoint(origin: "entente/EST", size: 6, root: signed.checkpoint.root).text, signatures: [cosignature])
        )
        #expect(throws: NoteError.badSignature("entente/LVA")) { try altered.cosignatures(by: [Self.witnessLVA.key]) }
        #expect(try CosignerKey(parsing: Self.witnessLVA.key.description) == Self.witnessLVA.key)
    }

    @Test func aPolicyIsReadAndItsQuorumCounted() throws {
        let keys = (0..<3).map { try! Cosigner(name: "entente/W\($0)", key: Curve25519.Signing.PrivateKey()) }
        let text = """
            # three peers, two of them make a quorum
            log \(Self.log.verifier)
            witness A \(keys[0].key)
            witness B \(keys[1].key)  http://127.0.0.1:7302
            \twitness C \(keys[2].key)
            group two 2 A B C
            quorum two

            """
        let policy = try WitnessPolicy(parsing: text)
        #expect(policy.witnesses.map(\.name) == ["A", "B", "C"] && policy.witnesses[1].url == "http://127.0.0.1:7302")
        #expect(try WitnessPolicy(parsing: policy.text) == policy)
        #expect(!policy.isSatisfied(byWitnesses: ["A"]) && policy.isSatisfied(byWitnesses: ["A", "C"]))
        let checkpoint = try Self.checkpoint(leaves(3))
        let once = checkpoint.adding([try keys[0].cosign(checkpoint.checkpoint, at: Self.now)])
        #expect(try policy.verify(once).quorumMet == false)
        let twice = once.adding([try keys[2].cosign(checkpoint.checkpoint, at: Self.now)])
        let verdict = try policy.verify(twice)
        #expect(verdict.quorumMet && verdict.cosignatures.map(\.witness) == ["A", "C"])
        #expect(try WitnessPolicy(parsing: "quorum none\n").isSatisfied(byWitnesses: []))
        for bad in [
            "", "quorum A\n", "witness A \(keys[0].key)\nwitness B \(keys[0].key)\nquorum A\n", "group g 1 A\nquorum g\n",
            "witness A \(keys[0].key)\ngroup g 2 A\nquorum g\n", "logg x\nquorum none\n", "quorum none\nquorum none\n",
        ] {
            #expect(throws: PolicyError.self, "\(bad)") { try WitnessPolicy(parsing: bad) }
        }
    }

    @Test func aWitnessCosignsWhatExtendsWhatItSawAndRefusesTheRest() throws {
        let all = leaves(20)
        let first = try Self.checkpoint(Array(all[..<7]))
        func add(
            _ request: AddCheckpointRequest,
            latest: SignedCheckpoint?,
            sameSize: SignedCheckpoint? = nil
        ) throws(WitnessRefusal) -> SignedNote.Signature {
            try Witness.add(request, log: Self.log.verifier, latest: latest, sameSize: sameSize, cosigner: Self.witnessLVA, now: Self.now)
        }
        // First sight: old 0 and no proof.
        let request = AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: first)
        #expect(try AddCheckpointRequest(parsing: request.body) == request)
        _ = try add(request, latest: nil)
        // Then from 7 to 20 with the proof.
        let second = try Self.checkpoint(all)
        let proof = Merkle.consistencyProof(from: 7, in: all[...])
        let cosignature = try add(AddCheckpointRequest(oldSize: 7, proof: proof, checkpoint: second), latest: first)
        #expect(try second.adding([cosignature]).cosignatures(by: [Self.witnessLVA.key]).count == 1)
        // The wrong old size: 409 with the size to prove from.
        #expect(throws: WitnessRefusal.oldSizeMismatch(latest: 7)) {
            try add(AddCheckpointRequest(oldSize: 3, proof: proof, checkpoint: second), latest: first)
        }
        // A proof that does not verify: 422.
        #expect(throws: WitnessRefusal.self) { try add(AddCheckpointRequest(oldSize: 7, proof: proof.reversed(), checkpoint: second), latest: first) }
        // Unknown origin, or a checkpoint the log did not sign.
        #expect(throws: WitnessRefusal.unknownLog("entente/EST")) {
            try Witness.add(request, log: nil, latest: nil, sameSize: nil, cosigner: Self.witnessLVA, now: Self.now)
        }
        let impostor = try NoteSigner(name: "entente/EST", key: Curve25519.Signing.PrivateKey())
        let forged = AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try Self.checkpoint(all, signedBy: impostor))
        #expect(throws: WitnessRefusal.notSignedByLog("the note is not signed by entente/EST")) { try add(forged, latest: nil) }
        #expect(throws: WitnessRefusal.self) { try AddCheckpointRequest(parsing: "old 01\n\n" + first.serialized) }
    }

    /// A log that shows two histories: the same size with another root is refused with a proof, and so is a
    /// larger tree whose own consistency path leads elsewhere than the smaller checkpoint.
    @Test func equivocationIsRefusedAndProvedWithTheLogsKeyAlone() throws {
        let honest = leaves(12)
        var forked = honest
        forked[4] = LogEntry(kind: .recordEntry, document: Array("a back-dated ballot".utf8)).leafHash
        let shown = try Self.checkpoint(Array(honest[..<9]))
        let other = try Self.checkpoint(Array(forked[..<9]))
        do {
            _ = try Witness.add(
                AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: other),
                log: Self.log.verifier,
                latest: shown,
                sameSize: shown,
                cosigner: Self.witnessLVA,
                now: Self.now
            )
            Issue.record("a fork was cosigned")
        } catch let refusal {
            guard case .forked(let proof) = refusal else {
                Issue.record("refused as \(refusal)")
                return
            }
            #expect(refusal.status == 409)
            try proof.verify(log: Self.log.verifier)
        }
        // Sizes 9 and 12, the larger from the forked history: its path from 9 leads to its root and not to the 9 shown.
        let larger = try Self.checkpoint(forked)
        let path = Merkle.consistencyProof(from: 9, in: forked[...])
        let proof = EquivocationProof(first: shown, second: larger, path: path)
        try proof.verify(log: Self.log.verifier)
        // The honest larger tree is consistent with what was shown: no proof.
        let honestLarger = try Self.checkpoint(honest)
        #expect(throws: EquivocationError.consistent) {
            try EquivocationProof(first: shown, second: honestLarger, path: Merkle.consistencyProof(from: 9, in: honest[...])).verify(
                log: Self.log.verifier
            )
        }
        // A power-of-two old size: the path starts with the larger tree's own subtree over those leaves.
        let eight = try Self.checkpoint(Array(honest[..<8]))
        let fromEight = [Merkle.root(forked[..<8])] + Merkle.consistencyProof(from: 8, in: forked[...])
        try EquivocationProof(first: eight, second: larger, path: fromEight).verify(log: Self.log.verifier)
        // Someone else's key proves nothing against this log.
        let stranger = try NoteVerifier(name: "entente/EST", key: Curve25519.Signing.PrivateKey().publicKey)
        #expect(throws: EquivocationError.self) { try proof.verify(log: stranger) }
    }

    /// tlog-proof: written and read back, checked against a policy; an altered index, another log's key or too
    /// few witnesses each prove nothing, and say why.
    @Test func anOfflineProofSaysWhatItProves() throws {
        let entries = (0..<6).map { LogEntry(kind: .recordEntry, document: Array("result \($0)".utf8)) }
        let leaves = entries.map(\.leafHash)
        let checkpoint = try Self.checkpoint(leaves)
        let witnesses = [Self.witnessLVA, try Cosigner(name: "entente/LTU/witness", key: Curve25519.Signing.PrivateKey())]
        let cosigned = checkpoint.adding([try witnesses[0].cosign(checkpoint.checkpoint, at: Self.now)])
        let proof = LogProof(index: 4, proof: Merkle.inclusionProof(4, in: leaves[...]), checkpoint: cosigned)
        #expect(try LogProof(parsing: proof.text) == proof)
        #expect(proof.text.hasPrefix("c2sp.org/tlog-proof@v1\nindex 4\n"))
        let policy = WitnessPolicy.threshold(
            1,
            of: witnesses.enumerated().map { WitnessPolicy.Witness(name: ["LVA", "LTU"][$0], key: $1.key) },
            log: Self.log.verifier
        )
        let verdict = try proof.verify(entries[4], policy: policy)
        #expect(verdict.quorumMet && verdict.cosignatures.map(\.witness) == ["LVA"] && verdict.heldBy == Self.now)
        #expect(throws: LogProofError.self) { try proof.verify(entries[3], policy: policy) }
        let moved = LogProof(index: 3, proof: proof.proof, checkpoint: cosigned)
        #expect(throws: LogProofError.self) { try moved.verify(entries[4], policy: policy) }
        let stranger = WitnessPolicy.threshold(
            1,
            of: policy.witnesses,
            log: try NoteVerifier(name: "entente/EST", key: Curve25519.Signing.PrivateKey().publicKey)
        )
        #expect(throws: LogProofError.self) { try proof.verify(entries[4], policy: stranger) }
        let both = WitnessPolicy.threshold(2, of: policy.witnesses, log: Self.log.verifier)
        #expect(try proof.verify(entries[4], policy: both).quorumMet == false)
        for bad in ["", "c2sp.org/tlog-proof@v1\nindex 04\n\n" + cosigned.serialized, "c2sp.org/tlog-proof@v2\nindex 4\n\n" + cosigned.serialized] {
            #expect(throws: LogProofError.self) { try LogProof(parsing: bad) }
        }
    }
}
