import EntenteProtocol
import Federation
import Foundation
import Hummingbird
import Storage

/// Every error the node returns: `{"error": code, "message": text}` with a fitting status.
/// The codes are stable and listed in docs/PROTOCOL.md.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The error document: `{"error": code, "message": …}`, with `Retry-After` when there is one.
    var response: Response {
        var response = JSONResponse.make(["error": .string(code), "message": .string(message)], status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "invalid_request", message) }
    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid operator token (Authorization: Bearer …) is required")
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func tooLarge(_ limit: Int) -> APIError { APIError(.contentTooLarge, "too_large", "request body larger than the \(limit)-byte limit") }
    static func rateLimited(_ wait: TimeInterval) -> APIError {
        APIError(.tooManyRequests, "rate_limited", "too many requests; retry in \(Int(wait.rounded(.up))) s", retryAfter: Int(wait.rounded(.up)))
    }

    /// Translates the domain's errors into the API's.
    static func from(_ error: any Error) -> any Error {
        switch error {
        case let error as APIError: return error
        case let error as ProtocolError: return from(error)
        case let error as ServiceFailure:
            switch error {
            case .invalid(let message): return APIError(.unprocessableContent, "invalid", message)
            case .notFound(let message): return APIError(.notFound, "not_found", message)
            case .conflict(let message): return APIError(.conflict, "conflict", message)
            case .forbidden(let message): return APIError(.forbidden, "forbidden", message)
            case .fingerprintMismatch: return APIError(.conflict, "fingerprint_mismatch", error.description)
            }
        case let error as StorageError:
            if case .conflict = error { return APIError(.conflict, "conflict", error.description) }
            return error
        case let error as PeerClient.Failure: return APIError(.badGateway, "peer_unreachable", error.description)
        default: return error
        }
    }

    static func from(_ error: ProtocolError) -> APIError {
        let status: HTTPResponse.Status =
            switch error {
            case .tooLarge: .contentTooLarge
            case .badSignature: .unauthorized
            case .unknownSender, .notAParticipant, .unanchoredKey: .forbidden
            case .notAddressedToThisNode: .misdirectedRequest
            case .undecryptable, .unsupportedType: .unprocessableContent
            case .keyChangeRefused, .idConflict, .awaitingHistory, .keyChangePending: .conflict
            case .quotaExceeded: .tooManyRequests
            case .malformed, .unsupportedVersion, .unsigned: .badRequest
            }
        return APIError(status, error.code, error.description)
    }
}

enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.canonicalBytes))
        )
    }

    /// An exported document to save as `name`, byte for byte: the file `entente verify` checks.
    static func file(_ bytes: [UInt8], named name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

extension Request {
    /// The body, refused with 413 past `limit` bytes and 400 if it is not JSON.
    func jsonBody(limit: Int) async throws -> JSONValue {
        let buffer = try await collectBody(limit: limit)
        do { return try JSONValue(parsing: buffer.readableBytesView) } catch {
            throw APIError.badRequest("body is not valid JSON: \(error)")
        }
    }

    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit) }
        do { return try await body.collect(upTo: limit) } catch { throw APIError.tooLarge(limit) }
    }
}
