import CZlib
import Foundation

/// Bytes of a log as they arrive, in chunks of any size, turned into lines: gzip is recognised by its magic
/// bytes and inflated on the way. Memory stays that of one chunk and one line, whatever the log's size.
public struct LineSplitter: ~Copyable {
    private var inflater: GzipInflater?
    private var decided = false
    private var opening: [UInt8] = []
    private var partial: [UInt8] = []
    /// Lines handed out so far: the number of the next line is this plus one.
    public private(set) var lineNumber = 0
    /// Longer lines are cut off and counted as bad by the reader: a log line is never this long.
    public static let maximumLineLength = 1 << 20

    public init() {}

    /// Feeds `chunk`, calling `line` with each complete line (without its line break) and its number.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        if !decided {
            // gzip's two magic bytes decide, however the first chunks are cut.
            opening.append(contentsOf: chunk)
            guard opening.count >= 2 else { return }
            decided = true
            if opening[0] == 0x1F, opening[1] == 0x8B { inflater = try GzipInflater() }
            let first = opening
            opening = []
            return try first.withUnsafeBytes { try feed($0, line) }
        }
        if inflater != nil {
            var inflated: [UInt8] = []
            try inflater!.inflate(chunk) { inflated.append(contentsOf: $0) }
            try inflated.withUnsafeBytes { try split($0, line) }
        } else {
            try split(chunk, line)
        }
    }

    /// The last line, if the log does not end with a line break.
    public mutating func finish(_ line: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        if !decided, !opening.isEmpty {
            decided = true
            try opening.withUnsafeBytes { try split($0, line) }
        }
        guard !partial.isEmpty else { return }
        lineNumber += 1
        try partial.withUnsafeBytes { try line(trimmed($0), lineNumber) }
        partial.removeAll()
    }

    private mutating func split(_ bytes: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        var start = 0
        while start < bytes.count, let found = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) {
            let end = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            lineNumber += 1
            if partial.isEmpty {
                try line(trimmed(UnsafeRawBufferPointer(rebasing: bytes[start..<end])), lineNumber)
            } else {
                partial.append(contentsOf: bytes[start..<end])
                try partial.withUnsafeBytes { try line(trimmed($0), lineNumber) }
                partial.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
        if start < bytes.count, partial.count < Self.maximumLineLength {
            partial.append(contentsOf: bytes[start..<min(bytes.count, start + Self.maximumLineLength - partial.count)])
        }
    }

    private func trimmed(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        line.last == 0x0D ? UnsafeRawBufferPointer(rebasing: line.dropLast()) : line
    }
}

public struct LogInputError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// zlib's streaming inflate, for gzip members (concatenated members too, as `gzip -c a b` writes them).
final class GzipInflater {
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 256 * 1024)

    init() throws {
        // 16 + MAX_WBITS: a gzip header and trailer, not raw zlib.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LogInputError("zlib could not start inflating")
        }
    }

    deinit { inflateEnd(&stream) }

    func inflate(_ input: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while stream.avail_in > 0 {
            let status = output.withUnsafeMutableBytes { buffer in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                emit(UnsafeRawBufferPointer(rebasing: buffer[0..<(buffer.count - Int(stream.avail_out))]))
                return status
            }
            switch status {
            case Z_OK, Z_BUF_ERROR: continue
            case Z_STREAM_END:
                // Another gzip member may follow.
                guard stream.avail_in > 0 else { return }
                inflateReset(&stream)
            default:
                throw LogInputError("the gzip stream is corrupt (zlib status \(status))")
            }
        }
    }
}
