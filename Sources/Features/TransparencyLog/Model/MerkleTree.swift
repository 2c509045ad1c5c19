import Crypto
import Foundation

/// A SHA-256 hash of the log: 32 bytes.
public typealias MerkleHash = [UInt8]

/// RFC 9162 §2.1 hashing and proofs over a log's leaf hashes: the pure arithmetic of a transparency log,
/// no storage. Leaves are `SHA-256(0x00 ‖ data)`, interior nodes `SHA-256(0x01 ‖ left ‖ right)`, so no leaf
/// can pass for a node.
public enum Merkle {
    public static let hashSize = 32

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot: MerkleHash = Array(SHA256.hash(data: [UInt8]()))

    public static func leafHash(_ data: some DataProtocol) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    public static func nodeHash(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// MTH(D[n]): the root of the tree over `leaves` (leaf hashes, in log order).
    public static func root(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        case let count where count & (count - 1) == 0: return wholeSubtreeRoot(leaves)
        default:
            let split = leaves.startIndex + largestPowerOfTwo(below: leaves.count)
            return nodeHash(root(leaves[..<split]), root(leaves[split...]))
        }
    }

    /// The root of a whole subtree (a power of two of leaves), level by level in one buffer: tiles and proofs
    /// hash hundreds of these, so no array per node.
    static func wholeSubtreeRoot(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        var level = [UInt8]()
        level.reserveCapacity(leaves.count * hashSize)
        for leaf in leaves { level.append(contentsOf: leaf) }
        var node = [UInt8](repeating: 0x01, count: 1 + 2 * hashSize)
        var count = leaves.count
        while count > 1 {
            for pair in 0..<count / 2 {
                let start = 2 * pair * hashSize
                node.replaceSubrange(1..., with: level[start..<start + 2 * hashSize])
                let digest = SHA256.hash(data: node)
                level.replaceSubrange(pair * hashSize..<(pair + 1) * hashSize, with: Array(digest))
            }
            count /= 2
        }
        return Array(level[0..<hashSize])
    }

    /// PATH(m, D[n]): the inclusion proof of leaf `index` in the tree over `leaves`.
    public static func inclusionProof(_ index: Int, in leaves: ArraySlice<MerkleHash>) -> [MerkleHash] {
        precondition(leaves.indices.contains(leaves.startIndex + index), "leaf \(index) is not in a tree of \(leaves.count)")
        return inclusionRanges(index, size: leaves.count).map { root(leaves[leaves.startIndex + $0.lowerBound..<leaves.startIndex + $0.upperBound]) }
    }

    /// PROOF(m, D[n]): the consistency proof from the tree over the first `oldSize` leaves to the tree over all of them.
    public static func consistencyProof(from oldSize: Int, in leaves: ArraySlice<MerkleHash>) -> [MerkleHash] {
        precondition((0...leaves.count).contains(oldSize), "a tree of \(leaves.count) has no earlier size \(oldSize)")
        return consistencyRanges(from: oldSize, to: leaves.count).map {
            root(leaves[leaves.startIndex + $0.lowerBound..<leaves.startIndex + $0.upperBound])
        }
    }

    /// The ranges of leaves whose roots, in order, make PATH(index, D[size]): a proof is these roots, wherever
    /// they come from (leaves in memory, or a log's tiles).
    public static func inclusionRanges(_ index: Int, size: Int) -> [Range<Int>] {
        func path(_ m: Int, _ leaves: Range<Int>) -> [Range<Int>] {
            guard leaves.count > 1 else { return [] }
            let split = leaves.lowerBound + largestPowerOfTwo(below: leaves.count)
            return m < split
                ? path(m, leaves.lowerBound..<split) + [split..<leaves.upperBound]
                : path(m, split..<leaves.upperBound) + [leaves.lowerBound..<split]
        }
        precondition((0..<size).contains(index), "leaf \(index) is not in a tree of \(size)")
        return path(index, 0..<size)
    }

    /// The ranges of leaves whose roots, in order, make PROOF(oldSize, D[newSize]).
    public static func consistencyRanges(from oldSize: Int, to newSize: Int) -> [Range<Int>] {
        func subproof(_ m: Int, _ leaves: Range<Int>, wholeOldTree: Bool) -> [Range<Int>] {
            if m == leaves.count { return wholeOldTree ? [] : [leaves] }
            let split = leaves.lowerBound + largestPowerOfTwo(below: leaves.count)
            return m <= split - leaves.lowerBound
                ? subproof(m, leaves.lowerBound..<split, wholeOldTree: wholeOldTree) + [split..<leaves.upperBound]
                : subproof(m - (split - leaves.lowerBound), split..<leaves.upperBound, wholeOldTree: false) + [leaves.lowerBound..<split]
        }
        precondition((0...newSize).contains(oldSize), "a tree of \(newSize) has no earlier size \(oldSize)")
        guard oldSize > 0, oldSize < newSize else { return [] }
        return subproof(oldSize, 0..<newSize, wholeOldTree: true)
    }

    /// The whole subtrees whose hashes make the root of `leaves`, left to right: one per bit of its size,
    /// largest first. Every range a proof names starts where a subtree of its size may (RFC 9162's splits), so
    /// each part is a subtree a log stores.
    public static func subtrees(of leaves: Range<Int>) -> [Subtree] {
        var parts: [Subtree] = []
        var start = leaves.lowerBound
        while start < leaves.upperBound {
            let level = Int.bitWidth - 1 - (leaves.upperBound - start).leadingZeroBitCount
            precondition(start % (1 << level) == 0, "\(leaves) does not start on a subtree")
            parts.append(Subtree(level: level, index: start >> level))
            start += 1 << level
        }
        return parts
    }

    /// The root of a range from the hashes of its `subtrees`, in their order.
    public static func root(ofSubtreeHashes hashes: [MerkleHash]) -> MerkleHash {
        guard var hash = hashes.last else { return emptyRoot }
        for left in hashes.dropLast().reversed() { hash = nodeHash(left, hash) }
        return hash
    }

    /// The largest power of two smaller than `n` (n > 1).
    static func largestPowerOfTwo(below n: Int) -> Int {
        precondition(n > 1)
        return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}

/// A whole subtree of the log: the `2^level` leaves from `index << level`.
public struct Subtree: Hashable, Sendable {
    public let level: Int
    public let index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    public var leaves: Range<Int> { (index << level)..<((index + 1) << level) }

    /// The subtree whose leaves are exactly `range`, if there is one: a power of two of leaves, aligned.
    public init?(exactly range: Range<Int>) {
        let count = range.count
        guard count > 0, count & (count - 1) == 0, range.lowerBound % count == 0 else { return nil }
        self.init(level: count.trailingZeroBitCount, index: range.lowerBound / count)
    }
}

/// Why a proof does not prove what it claims.
public enum ProofError: Error, Equatable, CustomStringConvertible {
    case indexBeyondTree(index: Int, size: Int)
    case shrinkingTree(from: Int, to: Int)
    /// A hash that is not 32 bytes: a malformed proof, refused before any arithmetic.
    case malformedHash(position: Int)
    /// A proof with hashes left over once it reached the top of the tree.
    case proofTooLong
    /// No proof where one is needed: between two different trees.
    case emptyProof
    /// A proof where none is needed: between a tree and itself, or from the empty tree.
    case unexpectedProof
    case rootMismatch
    /// A consistency proof from the empty tree: what an empty proof "proves" is that the new tree exists at all.
    case fromEmptyTree

    public var description: String {
        switch self {
        case .indexBeyondTree(let index, let size): "leaf \(index) is not in a tree of \(size)"
        case .shrinkingTree(let from, let to): "a log does not shrink from \(from) to \(to) entries"
        case .malformedHash(let position): "hash \(position) of the proof is not 32 bytes"
        case .proofTooLong: "the proof has more hashes than the tree has levels"
        case .emptyProof: "an empty proof cannot show that two different trees are consistent"
        case .unexpectedProof: "this proof should be empty"
        case .rootMismatch: "the proof does not lead to the root"
        case .fromEmptyTree: "a consistency proof from the empty tree proves nothing under this policy"
        }
    }
}

/// The verifier's choice for the one case RFC 9162 leaves open: the empty tree is consistent with every tree
/// (C2SP tlog-witness accepts an old size of 0 with an empty proof), or such a proof is refused
/// (transparency-dev/merkle's verifier).
public enum EmptyTreePolicy: Sendable {
    case consistentWithEveryTree
    case refused
}

extension Merkle {
    /// RFC 9162 §2.1.3.2: whether `proof` shows that `leaf` is entry `index` of the tree of `size` with `root`.
    public static func verifyInclusion(
        leaf: MerkleHash,
        index: Int,
        size: Int,
        proof: [MerkleHash],
        root: MerkleHash
    ) throws(ProofError) {
        guard index >= 0, index < size else { throw .indexBeyondTree(index: index, size: size) }
        try checkHashes([leaf, root] + proof)
        var fn = index
        var sn = size - 1
        var hash = leaf
        for sibling in proof {
            // A longer proof than the tree is deep cannot lead to its root.
            guard sn != 0 else { throw .proofTooLong }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0, hash == root else { throw .rootMismatch }
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `newSize` with `newRoot` extends the tree of
    /// `oldSize` with `oldRoot`, every entry of the old one kept in place.
    public static func verifyConsistency(
        oldSize: Int,
        newSize: Int,
        oldRoot: MerkleHash,
        newRoot: MerkleHash,
        proof: [MerkleHash],
        emptyTree: EmptyTreePolicy = .consistentWithEveryTree
    ) throws(ProofError) {
        guard oldSize >= 0, oldSize <= newSize else { throw .shrinkingTree(from: oldSize, to: newSize) }
        try checkHashes([oldRoot, newRoot] + proof)
        if oldSize == 0 {
            guard emptyTree == .consistentWithEveryTree else { throw .fromEmptyTree }
            guard proof.isEmpty else { throw .unexpectedProof }
            guard oldRoot == emptyRoot else { throw .rootMismatch }
            return
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw .unexpectedProof }
            guard oldRoot == newRoot else { throw .rootMismatch }
            return
        }
        guard !proof.isEmpty else { throw .emptyProof }
        // An old tree that is a whole subtree is its own first node.
        let path = oldSize & (oldSize - 1) == 0 ? [oldRoot] + proof : proof
        let (oldHash, newHash) = try roots(ofConsistencyPath: path, oldSize: oldSize, newSize: newSize)
        guard oldHash == oldRoot, newHash == newRoot else { throw .rootMismatch }
    }

    /// The two roots a consistency path leads to (RFC 9162 §2.1.4.2, steps 3 to 7): the path is the proof,
    /// preceded by the old tree's root when the old tree is a whole subtree. A path that leads to one
    /// signed new root and to another old root than the one signed proves the log forked.
    public static func roots(
        ofConsistencyPath path: [MerkleHash],
        oldSize: Int,
        newSize: Int
    ) throws(ProofError) -> (old: MerkleHash, new: MerkleHash) {
        guard oldSize > 0, oldSize < newSize else { throw .shrinkingTree(from: oldSize, to: newSize) }
        try checkHashes(path)
        guard let first = path.first else { throw .emptyProof }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldHash = first
        var newHash = first
        for sibling in path.dropFirst() {
            guard sn != 0 else { throw .proofTooLong }
            if fn & 1 == 1 || fn == sn {
                oldHash = nodeHash(sibling, oldHash)
                newHash = nodeHash(sibling, newHash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newHash = nodeHash(newHash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .rootMismatch }
        return (oldHash, newHash)
    }

    private static func checkHashes(_ hashes: [MerkleHash]) throws(ProofError) {
        if let bad = hashes.firstIndex(where: { $0.count != hashSize }) { throw .malformedHash(position: bad) }
    }
}
