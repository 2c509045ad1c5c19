import AsyncHTTPClient
import EntenteProtocol
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The HTTP side of federation: fetch a descriptor, post an envelope.
public struct PeerClient: Sendable {
    public static let federationPath = "/federation/v1/envelopes"
    public static let descriptorPath = "/.well-known/entente"
    public static let maximumResponse = 256 * 1024

    let http: HTTPClient
    let timeout: TimeAmount

    /// A client tuned for federation: a peer that does not accept a connection within
    /// a few seconds is down, and the outbox will try again later. Over https the peer's
    /// certificate is verified (chain and host name) against the system's roots and `trustedRoots`.
    public static func makeHTTPClient(trustedRoots: String? = nil) throws -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(3), read: .seconds(15)))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let trustedRoots {
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(trustedRoots))]
        }
        configuration.tlsConfiguration = tls
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public init(http: HTTPClient, timeout: TimeAmount = .seconds(15)) {
        self.http = http
        self.timeout = timeout
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreachable(String)
        /// The peer answered with an error document; `permanent` when retrying cannot help.
        case rejected(status: Int, code: String, message: String)
        case invalidResponse(String)

        public var description: String {
            switch self {
            case .unreachable(let detail): "peer unreachable: \(detail)"
            case .rejected(let status, let code, let message): "peer refused (\(status) \(code)): \(message)"
            case .invalidResponse(let detail): "invalid response from peer: \(detail)"
            }
        }

        /// 4xx other than rate limiting means the envelope itself was refused: retrying will not change that,
        /// unless the peer has yet to pin us or waits for earlier documents that are on their way.
        public var isPermanent: Bool {
            if case .rejected(let status, let code, _) = self {
                return (400..<500).contains(status) && status != 429 && !["unknown_sender", "awaiting_history", "key_change_pending"].contains(code)
            }
            return false
        }
    }

    /// Fetches and self-verifies a node's descriptor. Pinning is the caller's decision.
    public func fetchDescriptor(baseURL: String) async throws -> (descriptor: NodeDescriptor, document: JSONValue) {
        let document = try await request(url: Self.join(baseURL, Self.descriptorPath), method: .GET, body: nil)
        return (try NodeDescriptor(verifying: document), document)
    }

    /// Posts an envelope and returns the peer's signed receipt, unverified.
    public func deliver(wire: String, to baseURL: String) async throws -> JSONValue {
        try await request(url: Self.join(baseURL, Self.federationPath), method: .POST, body: wire)
    }

    func request(url: String, method: HTTPMethod, body: String?) async throws -> JSONValue {
        let answer = try await exchange(url: url, method: method, body: body, contentType: "application/json", accept: "application/json")
        let json = try? JSONValue(parsing: answer.body)
        guard (200..<300).contains(answer.status) else {
            throw Failure.rejected(
                status: answer.status,
                code: json?["error"]?.stringValue ?? "http_\(answer.status)",
                message: json?["message"]?.stringValue ?? HTTPResponseStatus(statusCode: answer.status).reasonPhrase
            )
        }
        guard let json else { throw Failure.invalidResponse("not JSON") }
        return json
    }

    /// One exchange with a peer, for JSON and for protocols that are not (the transparency log's C2SP
    /// endpoints): the status, the content type and at most `limit` bytes of the body, whatever the status.
    public func exchange(
        url: String,
        method: HTTPMethod = .GET,
        body: String? = nil,
        contentType: String = "text/plain; charset=utf-8",
        accept: String? = nil,
        limit: Int = maximumResponse
    ) async throws -> (status: Int, contentType: String?, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw Failure.unreachable("\(error)")
        }
        do {
            let bytes = try await response.body.collect(upTo: limit)
            return (Int(response.status.code), response.headers.first(name: "Content-Type"), Array(bytes.readableBytesView))
        } catch {
            throw Failure.invalidResponse("body larger than \(limit) bytes or cut off")
        }
    }

    public static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? String(base.dropLast()) + path : base + path
    }
}
