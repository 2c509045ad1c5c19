import Foundation
import Hummingbird
import NIOCore
import TransparencyLog

/// The C2SP endpoints under `/tlog`, open to anyone as the specs intend: the checkpoint and tiles
/// (tlog-checkpoint, tlog-tiles), which show digests only, and the witness (tlog-witness), which spends
/// nothing before the checkpoint's signature verified against a pinned peer's key.
struct TransparencyLogRoutes {
    let log: TransparencyLogService

    /// An add-checkpoint request is a checkpoint, its cosignatures and at most 63 hashes: well under this.
    static let maximumRequest = 64 * 1024

    func register(on router: Router<NodeRequestContext>) {
        let tlog = router.group("tlog")
        tlog.get("checkpoint") { _, _ in
            guard let checkpoint = try await log.store.latestCheckpoint() else {
                return Self.text(.serviceUnavailable, "the log has no checkpoint yet\n", headers: [.retryAfter: "1"])
            }
            return Self.text(.ok, checkpoint.serialized, headers: [.cacheControl: "no-cache"])
        }
        tlog.get("tile/**") { _, context in try await tile(context.parameters.getCatchAll()) }
        tlog.post("witness/add-checkpoint") { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.maximumRequest) } catch {
                return Self.text(.contentTooLarge, "an add-checkpoint request is at most \(Self.maximumRequest) bytes\n")
            }
            switch try await log.addCheckpoint(String(decoding: body.readableBytesView, as: UTF8.self), now: Date()) {
            case .success(let cosignature):
                return Self.text(.ok, cosignature.line)
            case .failure(.oldSizeMismatch(let latest)):
                return Self.text(.conflict, "\(latest)\n", contentType: "text/x.tlog.size")
            case .failure(let refusal):
                return Self.text(HTTPResponse.Status(code: refusal.status), refusal.description + "\n")
            }
        }
    }

    /// `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`: hashes or entries, immutable once served.
    func tile(_ path: [Substring]) async throws -> Response {
        guard let level = path.first, path.count >= 2 else { return Self.text(.notFound, "no such tile\n") }
        let position: (index: Int, width: Int)
        do { position = try Tile.parse(index: Array(path.dropFirst())) } catch { return Self.text(.notFound, error.description + "\n") }
        let bytes: [UInt8]?
        if level == "entries" {
            bytes = try await log.store.logEntryBundle(Tile(level: 0, index: position.index, width: position.width))
        } else {
            guard let number = Int(level), String(number) == level, (0...Tile.maximumLevel).contains(number) else {
                return Self.text(.notFound, "a tile level is 0 to 63, or entries\n")
            }
            bytes = try await log.store.logTile(Tile(level: number, index: position.index, width: position.width))
        }
        guard let bytes else { return Self.text(.notFound, "the log does not hold this tile\n") }
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .cacheControl: "public, max-age=31536000, immutable"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    static func text(
        _ status: HTTPResponse.Status,
        _ body: String,
        contentType: String = "text/plain; charset=utf-8",
        headers: HTTPFields = [:]
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
