/// Reads a TAXII envelope (`{"objects": [ … ], …}`) as it arrives and hands out each
/// object's bytes as soon as the object is complete, so a large bundle is never held
/// whole in memory: only the object being read is.
public struct EnvelopeSplitter: Sendable {
    public let maximumObjectBytes: Int
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The last top-level member name read, and whether the reader is inside the `objects` array.
    private var key: [UInt8] = []
    private var readingKey = false
    private var inObjects = false
    private var sawObjects = false
    private var current: [UInt8] = []
    private var capturing = false
    private var finished = false

    public init(maximumObjectBytes: Int = STIXValidation.maximumObjectBytes) { self.maximumObjectBytes = maximumObjectBytes }

    /// Consumes the next bytes; returns the objects completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(STIXError) -> [[UInt8]] {
        var completed: [[UInt8]] = []
        for byte in bytes {
            if finished {
                guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { throw STIXError("content after the end of the envelope") }
                continue
            }
            if capturing {
                current.append(byte)
                guard current.count <= maximumObjectBytes else { throw STIXError("an object is larger than \(maximumObjectBytes) bytes") }
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                    readingKey = false
                } else if readingKey {
                    key.append(byte)
                }
                continue
            }
            switch byte {
            case 0x22:  // "
                inString = true
                if depth == 1 && !inObjects {
                    readingKey = true
                    key = []
                }
            case 0x7B, 0x5B:  // { [
                if depth == 0 && byte != 0x7B { throw STIXError("an envelope is a JSON object") }
                if depth == 1 && byte == 0x5B && key == Array("objects".utf8) {
                    inObjects = true
                    sawObjects = true
                }
                depth += 1
                if depth == 3 && inObjects {
                    guard byte == 0x7B else { throw STIXError("objects must hold STIX objects") }
                    capturing = true
                    current = [byte]
                }
            case 0x7D, 0x5D:  // } ]
                depth -= 1
                guard depth >= 0 else { throw STIXError("unbalanced brackets") }
                if depth == 2 && capturing {
                    completed.append(current)
                    capturing = false
                    current = []
                }
                if depth == 1 && inObjects { inObjects = false }
                if depth == 0 { finished = true }
            default:
                if depth == 2 && inObjects && !(byte == 0x2C || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) {
                    throw STIXError("objects must hold STIX objects")
                }
            }
        }
        return completed
    }

    /// Checks the envelope ended and had an `objects` array.
    public func finish() throws(STIXError) {
        guard finished else { throw STIXError("the envelope is incomplete") }
        guard sawObjects else { throw STIXError("the envelope has no objects") }
    }
}
