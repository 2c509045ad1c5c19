import Crypto
import Foundation
import Testing

@testable import TransparencyLog

/// `docs/test-vectors/tlog-v1.json`: a log of five entries with a fixed log key (32 bytes of 0x01 as the
/// Ed25519 seed of EST) and witness key (0x02, LVA), its checkpoint, a cosignature, proofs and tiles, for a
/// second implementation to reproduce. `ENTENTE_WRITE_TEST_VECTORS=1 swift test --filter TransparencyLogVector`
/// regenerates it; Ed25519 signatures here are deterministic (RFC 8032), yet a reader should verify them, not
/// compare them.
@Suite("Published test vectors: the transparency log")
struct TransparencyLogVectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/test-vectors/tlog-v1.json")
        .standardized

    struct Vector: Codable, Equatable {
        struct Entry: Codable, Equatable {
            let document: String
            let entry: String
            let leafHash: String
        }
        let description: String
        let logVerifierKey: String
        let witnessVerifierKey: String
        let entries: [Entry]
        let checkpoint: String
        let cosignatureTime: UInt64
        let rootOfFirstThree: String
        let inclusionProofOfEntry2: [String]
        let consistencyProofFrom3: [String]
        let level0Tile: String
        let level0TileHashes: String
        let entryBundle: String
        let addCheckpointRequestFrom3: String
    }

    static func make() throws -> Vector {
        let log = try NoteSigner(name: "entente/EST", key: Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 32)))
        let witness = try Cosigner(
            name: "entente/LVA/witness",
            key: Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 2, count: 32))
        )
        let kinds: [LogEntry.Kind] = [.descriptor, .descriptor, .envelope, .caseEvent, .recordEntry]
        let documents = kinds.indices.map { #"{"document":\#($0)}"# }
        let entries = zip(kinds, documents).map { LogEntry(kind: $0, document: Array($1.utf8)) }
        let leaves = entries.map(\.leafHash)
        let checkpoint = Checkpoint(origin: "entente/EST", size: 5, root: Merkle.root(leaves[...]))
        let time = UInt64(1_764_000_000)
        let signed = try SignedCheckpoint(checkpoint, signedBy: log).adding([
            try witness.cosign(checkpoint, at: Date(timeIntervalSince1970: Double(time)))
        ])
        let base64 = { (hash: MerkleHash) in Data(hash).base64EncodedString() }
        return Vector(
            description:
                "The log of EST after five entries (tlog-checkpoint, tlog-cosignature v1, tlog-tiles, tlog-witness). Each entry is “<kind> <hex SHA-256 of the document's canonical bytes>”, its leaf SHA-256(0x00 ‖ entry).",
            logVerifierKey: log.verifier.description,
            witnessVerifierKey: witness.key.description,
            entries: zip(documents, entries).map { Vector.Entry(document: $0, entry: $1.description, leafHash: $1.leafHash.hex) },
            checkpoint: signed.serialized,
            cosignatureTime: time,
            rootOfFirstThree: base64(Merkle.root(leaves[..<3])),
            inclusionProofOfEntry2: Merkle.inclusionProof(2, in: leaves[...]).map(base64),
            consistencyProofFrom3: Merkle.consistencyProof(from: 3, in: leaves[...]).map(base64),
            level0Tile: Tile(level: 0, index: 0, width: 5).path,
            level0TileHashes: Data(leaves.joined()).base64EncodedString(),
            entryBundle: Data(LogEntry.bundle(entries.map(\.bytes))).base64EncodedString(),
            addCheckpointRequestFrom3: AddCheckpointRequest(
                oldSize: 3,
                proof: Merkle.consistencyProof(from: 3, in: leaves[...]),
                checkpoint: signed.withoutCosignatures
            ).body
        )
    }

    @Test func theVectorIsReproducedAndVerifies() throws {
        if ProcessInfo.processInfo.environment["ENTENTE_WRITE_TEST_VECTORS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(try Self.make()).write(to: Self.file)
        }
        let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: Self.file))
        // Everything but the signatures is reproduced exactly; the signatures verify under the published keys.
        let made = try Self.make()
        #expect(vector.entries == made.entries && vector.level0TileHashes == made.level0TileHashes && vector.entryBundle == made.entryBundle)
        #expect(vector.inclusionProofOfEntry2 == made.inclusionProofOfEntry2 && vector.consistencyProofFrom3 == made.consistencyProofFrom3)
        let log = try NoteVerifier(parsing: vector.logVerifierKey)
        let witness = try CosignerKey(parsing: vector.witnessVerifierKey)
        let checkpoint = try SignedCheckpoint(parsing: vector.checkpoint)
        try checkpoint.verify(log: log)
        let cosigned = try checkpoint.cosignatures(by: [witness])
        #expect(cosigned.count == 1 && cosigned[0].time == Date(timeIntervalSince1970: Double(vector.cosignatureTime)))
        let leaves = try vector.entries.map { try #require(MerkleHash(hex: $0.leafHash)) }
        let proof = vector.inclusionProofOfEntry2.map { Array(Data(base64Encoded: $0)!) }
        try Merkle.verifyInclusion(leaf: leaves[2], index: 2, size: 5, proof: proof, root: checkpoint.checkpoint.root)
        let request = try AddCheckpointRequest(parsing: vector.addCheckpointRequestFrom3)
        let older = try #require(Data(base64Encoded: vector.rootOfFirstThree))
        try Merkle.verifyConsistency(oldSize: 3, newSize: 5, oldRoot: Array(older), newRoot: checkpoint.checkpoint.root, proof: request.proof)
    }
}
