import Foundation

/// A log file read in 1 MiB chunks as the request body asks for them (standard input for "-"), with the share
/// sent on standard error when asked: `entente detect --data` streams a log to its node without holding it.
struct LogUpload: Sendable {
    let size: Int?
    let chunks: AsyncThrowingStream<ArraySlice<UInt8>, any Error>

    init(path: String, progress label: String?) throws {
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else { throw ExitError("cannot read \(path)") }
            handle = opened
        }
        let size = path == "-" ? nil : (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        self.size = size
        let reader = Reader(handle: handle, path: path, size: size, label: label)
        chunks = AsyncThrowingStream(unfolding: { try reader.next() })
    }

    /// The file and how far it has been read; the body is read by one request, one chunk at a time.
    private final class Reader: @unchecked Sendable {
        let handle: FileHandle
        let path: String
        let size: Int?
        let label: String?
        var read = 0
        var shown = -1

        init(handle: FileHandle, path: String, size: Int?, label: String?) {
            self.handle = handle
            self.path = path
            self.size = size
            self.label = label
        }

        func next() throws -> ArraySlice<UInt8>? {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw ExitError("cannot read \(path): \(error.localizedDescription)")
            }
            guard !chunk.isEmpty else {
                if label != nil, size != nil { printError("\r", terminator: "") }
                if path != "-" { try? handle.close() }
                return nil
            }
            read += chunk.count
            if let label, let size, size > 0, read * 100 / size != shown {
                shown = read * 100 / size
                printError("\r\(label): \(shown)% sent", terminator: "")
            }
            return ArraySlice(chunk)
        }
    }
}
