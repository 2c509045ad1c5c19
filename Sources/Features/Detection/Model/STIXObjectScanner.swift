/// STIX objects out of a file of any size, in chunks: JSON lines (one object per line) or a bundle, whose
/// `objects` are handed out one at a time, so a bundle of a million indicators is never held whole.
public struct STIXObjectScanner {
    private var carry: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Where the object being read began in `carry` (nil: none).
    private var objectStart: Int?
    /// The depth at which objects are handed out: 0 for JSON lines, 2 inside a bundle's `objects`.
    private var objectDepth = 0
    /// The last string closed directly inside the top-level object: the key of what follows.
    private var lastKey: [UInt8] = []
    private var key: [UInt8] = []

    public static let maximumObjectBytes = 16 << 20

    public init() {}

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let offset = carry.count
        carry.append(contentsOf: chunk)
        var index = offset
        while index < carry.count {
            let byte = carry[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 { lastKey = key }
                } else if depth == 1, key.count < 16 {
                    key.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    key.removeAll(keepingCapacity: true)
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if depth == 1, byte == UInt8(ascii: "["), lastKey == Array("objects".utf8) {
                        // A bundle: hand out its objects instead of itself.
                        objectDepth = 2
                        objectStart = nil
                    }
                    if depth == objectDepth, byte == UInt8(ascii: "{") { objectStart = index }
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth < 0 { throw LogInputError("the indicators are not JSON: a closing bracket too many") }
                    if depth == objectDepth, let start = objectStart, byte == UInt8(ascii: "}") {
                        try carry.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[start...index])) }
                        objectStart = nil
                    }
                    if depth == 1, objectDepth == 2, byte == UInt8(ascii: "]") { objectDepth = 0 }
                default: break
                }
            }
            index += 1
        }
        // Keep only what an object still being read needs.
        let keep = objectStart ?? carry.count
        if keep > 0 {
            carry.removeFirst(keep)
            if objectStart != nil { objectStart = 0 }
        }
        if carry.count > Self.maximumObjectBytes { throw LogInputError("an object of the indicators is larger than 16 MiB") }
    }
}
