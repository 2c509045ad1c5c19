/// C2SP tlog-tiles: the log's hashes served as tiles, each the 256 consecutive hashes of one level of
/// subtrees of height 8. Any root or proof is computed from a few tiles, so a log serves only static
/// resources and its readers (witnesses, monitors, `entente verify`) compute what they need.
public struct Tile: Hashable, Sendable, CustomStringConvertible {
    /// Levels of the tree one tile spans.
    public static let height = 8
    /// Hashes in a full tile.
    public static let fullWidth = 1 << height
    /// Path levels go up to 63 (tlog-tiles).
    public static let maximumLevel = 63

    /// The tile level: 0 holds leaf hashes, level `L` the roots of subtrees of `256^L` leaves.
    public let level: Int
    public let index: Int
    /// 1 to 256: below 256, a partial tile at the right edge of the tree.
    public let width: Int

    public init(level: Int, index: Int, width: Int = Tile.fullWidth) {
        precondition((0...Self.maximumLevel).contains(level) && index >= 0 && (1...Self.fullWidth).contains(width))
        self.level = level
        self.index = index
        self.width = width
    }

    /// The tile of `level` holding hash `hashIndex` of that level, as wide as a tree of `size` leaves makes it.
    public static func holding(level: Int, hashIndex: Int, treeSize size: Int) -> Tile {
        let index = hashIndex / fullWidth
        let hashesAtLevel = size >> (height * level)
        return Tile(level: level, index: index, width: min(fullWidth, hashesAtLevel - index * fullWidth))
    }

    /// The tile's path under a log's prefix: `tile/<L>/<N>[.p/<W>]`, entry bundles `tile/entries/<N>[.p/<W>]`.
    public var path: String { "tile/\(level)/\(Self.encode(index))\(width < Self.fullWidth ? ".p/\(width)" : "")" }

    /// The path of the entry bundle with the same leaves as this level-0 tile.
    public var entriesPath: String { "tile/entries/\(Self.encode(index))\(width < Self.fullWidth ? ".p/\(width)" : "")" }

    public var description: String { path }

    /// `1234067` is `x001/x234/067`: three-digit elements, all but the last starting with `x`.
    static func encode(_ index: Int) -> String {
        var elements = [String(format: "%03d", index % 1000)]
        var rest = index / 1000
        while rest > 0 {
            elements.insert("x" + String(format: "%03d", rest % 1000), at: 0)
            rest /= 1000
        }
        return elements.joined(separator: "/")
    }

    /// Reads the path elements after `tile/<L>/` or `tile/entries/`: the index (below 10^18) and the width. Anything
    /// that is not exactly as `encode` writes it (leading zeroes, a width of 256 written out) is refused,
    /// so one tile has one path.
    public static func parse(index path: [Substring]) throws(TileError) -> (index: Int, width: Int) {
        var elements = path.map(String.init)
        var width = fullWidth
        if elements.count >= 2, elements[elements.count - 2].hasSuffix(".p") {
            let written = elements.removeLast()
            guard let parsed = Int(written), (1..<fullWidth).contains(parsed), String(parsed) == written else { throw .malformedPath }
            width = parsed
            elements[elements.count - 1].removeLast(2)
        }
        guard !elements.isEmpty, elements.count <= 6 else { throw .malformedPath }
        var index = 0
        for (position, element) in elements.enumerated() {
            let digits = position == elements.count - 1 ? Substring(element) : element.hasPrefix("x") ? element.dropFirst() : ""
            guard digits.count == 3, digits.allSatisfy(\.isASCIIDigit), let value = Int(digits) else { throw .malformedPath }
            index = index * 1000 + value
        }
        // "x000/001" would be a second spelling of 1.
        guard encode(index) == elements.joined(separator: "/") else { throw .malformedPath }
        return (index, width)
    }
}

public enum TileError: Error, Equatable, CustomStringConvertible {
    case malformedPath
    /// A tile's bytes are not `width` hashes.
    case malformedTile(Tile)
    /// A tile the computation needs and the reader does not have.
    case missing(Tile)

    public var description: String {
        switch self {
        case .malformedPath: "not a tile path: tile/<L>/<N>[.p/<W>] with N in three-digit elements (x001/x234/067)"
        case .malformedTile(let tile): "\(tile) is not \(tile.width) hashes of 32 bytes"
        case .missing(let tile): "\(tile) is needed and was not given"
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Roots and proofs of a tree of `size` leaves, computed from its tiles: first the tiles a computation
/// needs (`tiles(for:)`), then the hashes from those tiles once read (`hash(of:in:)`).
public struct TiledTree: Sendable {
    public let size: Int

    public init(size: Int) { self.size = size }

    /// Where a subtree's hash is: in the tile level whose hashes are subtrees of `256^L` leaves, at or below
    /// the subtree's own level, as the root of `2^(level − 8L)` consecutive hashes of one tile.
    static func location(of subtree: Subtree) -> (level: Int, hashes: Range<Int>) {
        let tileLevel = subtree.level / Tile.height
        let span = subtree.level - tileLevel * Tile.height
        let first = subtree.index << span
        return (tileLevel, first..<first + (1 << span))
    }

    public func tile(for subtree: Subtree) -> Tile {
        let (level, hashes) = Self.location(of: subtree)
        return Tile.holding(level: level, hashIndex: hashes.lowerBound, treeSize: size)
    }

    /// The tiles that give the hashes of `ranges`.
    public func tiles(for ranges: [Range<Int>]) -> Set<Tile> {
        Set(ranges.flatMap { Merkle.subtrees(of: $0) }.map { tile(for: $0) })
    }

    /// The root of the leaves in `range` (a range a proof names, or the whole tree), from `tiles`.
    public func hash(of range: Range<Int>, in tiles: [Tile: [MerkleHash]]) throws(TileError) -> MerkleHash {
        var hashes: [MerkleHash] = []
        for subtree in Merkle.subtrees(of: range) {
            let tile = tile(for: subtree)
            guard let tileHashes = tiles[tile] else { throw .missing(tile) }
            guard tileHashes.count == tile.width else { throw .malformedTile(tile) }
            let (_, span) = Self.location(of: subtree)
            let offset = tile.index * Tile.fullWidth
            hashes.append(Merkle.root(tileHashes[(span.lowerBound - offset)..<(span.upperBound - offset)]))
        }
        return Merkle.root(ofSubtreeHashes: hashes)
    }

    /// What a computation of `ranges` needs, for a reader to fetch before computing.
    public var rootTiles: Set<Tile> { size == 0 ? [] : tiles(for: [0..<size]) }

    public func root(in tiles: [Tile: [MerkleHash]]) throws(TileError) -> MerkleHash {
        size == 0 ? Merkle.emptyRoot : try hash(of: 0..<size, in: tiles)
    }

    public func inclusionProof(_ index: Int, in tiles: [Tile: [MerkleHash]]) throws(TileError) -> [MerkleHash] {
        var proof: [MerkleHash] = []
        for range in Merkle.inclusionRanges(index, size: size) { proof.append(try hash(of: range, in: tiles)) }
        return proof
    }

    public func consistencyProof(from oldSize: Int, in tiles: [Tile: [MerkleHash]]) throws(TileError) -> [MerkleHash] {
        var proof: [MerkleHash] = []
        for range in Merkle.consistencyRanges(from: oldSize, to: size) { proof.append(try hash(of: range, in: tiles)) }
        return proof
    }

    /// The tiles as the tree grows from `oldSize` by `leaves` (leaf hashes): each tile that gains a hash,
    /// whole, from the right-edge tiles before (`edge`, the partial tile of each level: `edgeTiles(of:)`).
    /// A tile filled to 256 adds its root to the level above, so a log writes a few tiles per batch.
    public static func grow(
        from oldSize: Int,
        edge: [Tile: [MerkleHash]],
        by leaves: [MerkleHash]
    ) throws(TileError) -> [Tile: [MerkleHash]] {
        var written: [Tile: [MerkleHash]] = [:]
        var added = leaves
        var level = 0
        var held = oldSize
        while !added.isEmpty {
            var index = held / Tile.fullWidth
            var current: [MerkleHash] = []
            if held % Tile.fullWidth != 0 {
                let partial = Tile(level: level, index: index, width: held % Tile.fullWidth)
                guard let hashes = edge[partial] else { throw .missing(partial) }
                guard hashes.count == partial.width else { throw .malformedTile(partial) }
                current = hashes
            }
            var completed: [MerkleHash] = []
            for hash in added {
                current.append(hash)
                if current.count == Tile.fullWidth {
                    written[Tile(level: level, index: index)] = current
                    completed.append(Merkle.root(current[...]))
                    index += 1
                    current = []
                }
            }
            if !current.isEmpty { written[Tile(level: level, index: index, width: current.count)] = current }
            added = completed
            held /= Tile.fullWidth
            level += 1
        }
        return written
    }

    /// The partial tile of every level of a tree of `size`: what `grow` extends.
    public static func edgeTiles(of size: Int) -> [Tile] {
        var tiles: [Tile] = []
        var held = size
        var level = 0
        while held > 0 {
            if held % Tile.fullWidth != 0 { tiles.append(Tile(level: level, index: held / Tile.fullWidth, width: held % Tile.fullWidth)) }
            held /= Tile.fullWidth
            level += 1
        }
        return tiles
    }
}

/// The right edge of a tree: the roots of its whole subtrees, one per bit of its size, largest first. With it
/// a monitor extends a log leaf by leaf as it reads the entries and computes every root on the way, trusting
/// nothing but the entries it hashed itself.
public struct CompactRange: Sendable, Equatable {
    public private(set) var size: Int
    public private(set) var hashes: [MerkleHash]

    public init() {
        size = 0
        hashes = []
    }

    /// A range kept from before: as many hashes as `size` has bits set, each 32 bytes.
    public init(size: Int, hashes: [MerkleHash]) throws(ProofError) {
        guard size >= 0, hashes.count == size.nonzeroBitCount else { throw .rootMismatch }
        if let bad = hashes.firstIndex(where: { $0.count != Merkle.hashSize }) { throw .malformedHash(position: bad) }
        self.size = size
        self.hashes = hashes
    }

    public mutating func append(_ leaf: MerkleHash) {
        hashes.append(leaf)
        size += 1
        // Each trailing zero of the new size is a pair of equal subtrees to join.
        for _ in 0..<size.trailingZeroBitCount {
            let right = hashes.removeLast()
            let left = hashes.removeLast()
            hashes.append(Merkle.nodeHash(left, right))
        }
    }

    public var root: MerkleHash { Merkle.root(ofSubtreeHashes: hashes) }
}
