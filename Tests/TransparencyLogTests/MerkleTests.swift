import Crypto
import Foundation
import TestSupport
import Testing

@testable import TransparencyLog

/// The vectors live beside the project, not in it; a checkout without them says so loudly and skips them.
let sharedDataIsHere: Bool = {
    if (try? sharedData("tlog")) != nil { return true }
    print("⚠️  ../shared/data/tlog not found (set ENTENTE_SHARED_DATA): the RFC 9162 proof vectors are NOT run")
    return false
}()

@Suite("Merkle trees (RFC 9162)")
struct MerkleTests {
    struct InclusionVector: Decodable {
        let leafIdx: UInt64
        let treeSize: UInt64
        let root: String?
        let leafHash: String?
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    struct ConsistencyVector: Decodable {
        let size1: UInt64
        let size2: UInt64
        let root1: String?
        let root2: String?
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    /// A size or index from a vector; one beyond what this platform counts is none a tree can have.
    static func size(_ value: UInt64) -> Int { Int(exactly: value) ?? -1 }

    static func bytes(_ base64: String?) -> MerkleHash { base64.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }

    static func vectors<T: Decodable>(_ kind: String, as type: T.Type) throws -> [(String, T)] {
        let folder = try sharedData("tlog/\(kind)")
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
        return try files.map { file in
            (String(file.path.dropFirst(folder.path.count + 1)), try JSONDecoder().decode(T.self, from: Data(contentsOf: file)))
        }
    }

    @Test func aRangeIsAWholeSubtreeOnlyWhenAlignedToAPowerOfTwo() {
        #expect(Subtree(exactly: 256..<512) == Subtree(level: 8, index: 1))
        #expect(Subtree(exactly: 7..<8) == Subtree(level: 0, index: 7))
        #expect(Subtree(exactly: 0..<65_536)?.leaves == 0..<65_536)
        for range in [256..<768, 128..<384, 3..<5, 0..<0, 0..<300] { #expect(Subtree(exactly: range) == nil, "\(range)") }
    }

    @Test func theRFC6962ValuesHold() {
        #expect(Merkle.emptyRoot.hex.hasPrefix("e3b0c442") && Merkle.emptyRoot.hex.hasSuffix("b855"))
        #expect(Merkle.leafHash([UInt8]()).hex.hasPrefix("6e340b9c") && Merkle.leafHash([UInt8]()).hex.hasSuffix("a01d"))
    }

    /// transparency-dev/merkle's 98 inclusion vectors: every one agrees with this verifier.
    @Test(.enabled(if: sharedDataIsHere)) func inclusionVectors() throws {
        let vectors = try Self.vectors("inclusion", as: InclusionVector.self)
        #expect(vectors.count == 98)
        var agreed = 0
        for (name, vector) in vectors {
            var refused = false
            do {
                try Merkle.verifyInclusion(
                    leaf: Self.bytes(vector.leafHash),
                    index: Self.size(vector.leafIdx),
                    size: Self.size(vector.treeSize),
                    proof: (vector.proof ?? []).map { Self.bytes($0) },
                    root: Self.bytes(vector.root)
                )
            } catch { refused = true }
            #expect(refused == vector.wantErr, "\(name): \(vector.desc)")
            if refused == vector.wantErr { agreed += 1 }
        }
        print("inclusion vectors: \(agreed) of \(vectors.count) agree")
    }

    /// The 98 consistency vectors under the library's policy for the empty tree. This verifier differs from
    /// the library in one place, by choice: a "root" that is not 32 bytes is malformed even between two trees
    /// of the same size, where the library compares the two texts and accepts them.
    @Test(.enabled(if: sharedDataIsHere)) func consistencyVectors() throws {
        let vectors = try Self.vectors("consistency", as: ConsistencyVector.self)
        #expect(vectors.count == 98)
        let malformedByChoice = ["additional/sizes-are-equal-one-and-proof-is-empty.json"]
        var disagreements: [String] = []
        for (name, vector) in vectors {
            var refused = false
            do {
                try Merkle.verifyConsistency(
                    oldSize: Self.size(vector.size1),
                    newSize: Self.size(vector.size2),
                    oldRoot: Self.bytes(vector.root1),
                    newRoot: Self.bytes(vector.root2),
                    proof: (vector.proof ?? []).map { Self.bytes($0) },
                    emptyTree: .refused
                )
            } catch { refused = true }
            if refused != vector.wantErr { disagreements.append(name) }
        }
        print("consistency vectors: \(vectors.count - disagreements.count) of \(vectors.count) agree; by choice: \(disagreements)")
        #expect(disagreements == malformedByChoice)
    }

    /// The policy RFC 9162 leaves open, kept apart: a witness (C2SP tlog-witness) takes the empty tree as
    /// consistent with every tree, by an empty proof; the library's policy refuses it.
    @Test func theEmptyTreeIsConsistentWithEveryTreeOnlyUnderTheWitnessPolicy() throws {
        let root = Merkle.root((0..<5).map { Merkle.leafHash([UInt8($0)]) }[...])
        try Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: Merkle.emptyRoot, newRoot: root, proof: [])
        #expect(throws: ProofError.fromEmptyTree) {
            try Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: Merkle.emptyRoot, newRoot: root, proof: [], emptyTree: .refused)
        }
        #expect(throws: ProofError.unexpectedProof) {
            try Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: Merkle.emptyRoot, newRoot: root, proof: [root])
        }
        #expect(throws: ProofError.rootMismatch) {
            try Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: root, newRoot: root, proof: [])
        }
    }

    /// Proofs made here verify, for every leaf and every earlier size of trees up to 33 leaves, and a proof
    /// for one tree does not pass for a neighbour.
    @Test func proofsMadeHereVerify() throws {
        let leaves = (0..<33).map { Merkle.leafHash(Array("entry \($0)".utf8)) }
        for size in 1...leaves.count {
            let tree = leaves[..<size]
            let root = Merkle.root(tree)
            for index in 0..<size {
                let proof = Merkle.inclusionProof(index, in: tree)
                try Merkle.verifyInclusion(leaf: leaves[index], index: index, size: size, proof: proof, root: root)
                #expect(throws: ProofError.self) {
                    try Merkle.verifyInclusion(leaf: leaves[(index + 1) % 33], index: index, size: size, proof: proof, root: root)
                }
            }
            for oldSize in 0...size {
                let proof = Merkle.consistencyProof(from: oldSize, in: tree)
                try Merkle.verifyConsistency(oldSize: oldSize, newSize: size, oldRoot: Merkle.root(leaves[..<oldSize]), newRoot: root, proof: proof)
                if oldSize > 0, oldSize < size {
                    #expect(throws: ProofError.self) {
                        try Merkle.verifyConsistency(
                            oldSize: oldSize,
                            newSize: size,
                            oldRoot: Merkle.root(leaves[1...oldSize]),
                            newRoot: root,
                            proof: proof
                        )
                    }
                }
            }
        }
    }
}

@Suite("Signed notes (C2SP signed-note v1)")
struct SignedNoteTests {
    static let exampleKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    static let example =
        "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

    @Test func theSpecificationsExampleVerifies() throws {
        let verifier = try NoteVerifier(parsing: Self.exampleKey)
        #expect(verifier.description == Self.exampleKey)
        let note = try SignedNote(parsing: Self.example)
        #expect(note.text == "This is an example message.\n")
        #expect(try note.verified(by: [verifier]) == [verifier])
        #expect(note.serialized == Self.example)
    }

    /// A hostile relay: an altered text under a trusted key is a forgery; a signature by a key nobody trusts proves nothing.
    @Test func anAlteredNoteIsRefusedAndAnUnknownKeyProvesNothing() throws {
        let verifier = try NoteVerifier(parsing: Self.exampleKey)
        let altered = try SignedNote(parsing: Self.example.replacingOccurrences(of: "example message", with: "exemplary message"))
        #expect(throws: NoteError.badSignature("example.com/foo")) { try altered.verified(by: [verifier]) }
        let stranger = try NoteSigner(name: "example.com/foo", key: .init())
        let forged = try SignedNote(text: "This is an example message.\n").signed(by: stranger)
        #expect(try forged.verified(by: [verifier]).isEmpty, "same name, another key: a different key ID, not a signature of the trusted key")
        let mine = try NoteSigner(name: "entente.example/EST", key: .init())
        let signed = try SignedNote(text: "EST\n3\nabc=\n").signed(by: mine)
        #expect(try SignedNote(parsing: signed.serialized).verified(by: [mine.verifier]) == [mine.verifier])
        #expect(try NoteVerifier(parsing: mine.verifier.description) == mine.verifier)
    }

    @Test func malformedNotesAndKeysAreRefused() {
        for text in [
            "no signatures\n", "text\n\n", "text\n\n— name\n", "text\n\n— name !!!\n", "text\n\n- name AAAAAAA=\n", "text\u{7}\n\n— a AAAAAAA=\n",
        ] {
            #expect(throws: NoteError.self, "\(text.debugDescription)") { try SignedNote(parsing: text) }
        }
        for key in [
            "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "a b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "x+y",
        ] {
            #expect(throws: NoteError.self, "\(key)") { try NoteVerifier(parsing: key) }
        }
    }
}
