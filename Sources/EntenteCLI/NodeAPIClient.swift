import ArgumentParser
import AsyncHTTPClient
import EntenteProtocol
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOSSL
import Node
import NodeAPI
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// How a client command finds the node: `--data DIR` (address and token from the
/// node's directory) or `--node URL --token TOKEN`.
struct NodeConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "The node's data directory (finds its address and operator token).")
    var data: String?

    @Option(name: .long, help: "The node's base URL, e.g. http://127.0.0.1:7301 (with --token).")
    var node: String?

    // Tokens are base64url and may begin with "-": take the next argument whatever it looks like.
    @Option(
        name: .long,
        parsing: .unconditional,
        help: "The operator token or a person's API token (`entente user token`); with --data, it replaces the operator token."
    )
    var token: String?

    func validate() throws {
        if data == nil && (node == nil || token == nil) {
            throw ValidationError("Name the node with --data DIR, or with --node URL and --token TOKEN.")
        }
    }

    func client() throws -> NodeAPIClient { try Self.client(data: data, node: node, token: token) }

    /// The client for a node named by its data directory, or by its address and a token. `timeout` bounds each
    /// request whole, from sending to the end of the answer.
    static func client(data: String?, node: String?, token: String?, timeout: Duration = .seconds(30)) throws -> NodeAPIClient {
        if let node, let token { return try NodeAPIClient(baseURL: node, token: token, timeout: timeout) }
        guard let data else { throw ValidationError("Name the node with --data DIR, or with --node URL and --token TOKEN.") }
        let directory = NodeDirectory(path: data)
        let address = try node ?? directory.nodeAddress()
        return try NodeAPIClient(baseURL: address, token: try token ?? directory.operatorToken(), timeout: timeout)
    }
}

/// The CLI's view of a node's `/api/v1`: the client generated from the node's OpenAPI document
/// (`NodeAPI`), so every request the CLI sends and every answer it reads has the document's shape.
struct NodeAPIClient {
    let baseURL: String
    let api: Client

    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// The node's HTTP status, when it answered with a refusal.
        var status: Int? = nil
    }

    init(baseURL: String, token: String, timeout: Duration = .seconds(30)) throws {
        guard let url = URL(string: baseURL.trimmingSuffix("/")), ["http", "https"].contains(url.scheme), url.host != nil else {
            throw ValidationError("\(baseURL) is not a node's address: expected http(s)://HOST:PORT")
        }
        self.baseURL = baseURL
        api = Client(
            serverURL: url,
            transport: AsyncHTTPClientTransport(configuration: .init(client: nodeHTTPClient, timeout: .init(timeout))),
            middlewares: [BearerToken(token: token), AnswerReader()]
        )
    }

    /// Runs one operation of the API. A refusal is the node's error document in words; a node that cannot be
    /// reached, or answers other than its document says, is said so.
    func call<T>(_ operation: (Client) async throws -> T) async throws -> T {
        do { return try await operation(api) } catch let error as ClientError {
            if let failure = error.underlyingError as? Failure { throw failure }
            guard error.response != nil else {
                throw Failure(description: "cannot reach the node at \(baseURL): is `entente serve` running? (\(error.underlyingError))")
            }
            throw Failure(description: "the node's answer to \(error.operationID) is not what its API document says: \(error.underlyingError)")
        }
    }
}

/// Every request carries the operator's or a person's API token.
struct BearerToken: ClientMiddleware {
    let token: String

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

/// Reads every answer whole. A refusal becomes the node's reason and error code, whatever the operation (the
/// same error document, `Error`, answers every refusal); a success is kept as the node sent it, for `--json`
/// and for the files the CLI writes (`printAnswer`, `answerBytes`).
struct AnswerReader: ClientMiddleware {
    /// The most an answer may hold: a MISP event of a large collection.
    static let limit = 64 << 20

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        var bytes = Data()
        if let responseBody { bytes = try await Data(collecting: responseBody, upTo: Self.limit) }
        guard response.status.kind == .successful else {
            let refusal = try? JSONDecoder().decode(Components.Schemas._Error.self, from: bytes)
            throw NodeAPIClient.Failure(
                description: "\(refusal?.message ?? response.status.reasonPhrase) [\(refusal?.error ?? String(response.status.code))]",
                status: response.status.code
            )
        }
        latestAnswer.record(bytes)
        return (response, responseBody == nil ? nil : HTTPBody(bytes))
    }
}

/// The body of the node's latest successful answer. A CLI process runs one command, whose calls are sequential.
let latestAnswer = AnswerLog()

final class AnswerLog: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func record(_ bytes: Data) { lock.withLock { self.bytes = bytes } }

    /// The latest answer as JSON, if `value` is what the CLI read from it; nil if `value` came from elsewhere.
    func json<T: Decodable & Equatable>(answering value: T) -> JSONValue? {
        let bytes = lock.withLock { self.bytes }
        guard (try? JSONDecoder().decode(T.self, from: bytes)) == value else { return nil }
        return try? JSONValue(parsing: Array(bytes))
    }
}

/// What the node answered, printed as the node sent it: every member, nulls included, not the CLI's reading of it.
func printAnswer<T: Codable & Equatable>(_ value: T) {
    if let json = latestAnswer.json(answering: value) { return printJSON(json) }
    printJSON(value)
}

/// A signed document the node answered, in its canonical form, byte for byte what the node sent: the file
/// `entente verify` checks.
func answerBytes<T: Codable & Equatable>(_ value: T) throws -> [UInt8] {
    try (latestAnswer.json(answering: value) ?? JSONValue(encoding: value)).canonicalBytes
}

/// How the CLI reaches a node: the system's roots, plus a node's private CA when
/// `ENTENTE_CA_FILE` names its PEM file (a node serving `--tls-cert` from its own CA). A node
/// that does not answer, or presents a certificate that does not verify, fails within seconds.
let nodeHTTPClient: HTTPClient = {
    var tls = TLSConfiguration.makeClientConfiguration()
    if let file = ProcessInfo.processInfo.environment["ENTENTE_CA_FILE"], !file.isEmpty {
        do { tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(file))] } catch {
            printError("ENTENTE_CA_FILE=\(file): \(error)")
            exit(2)
        }
    }
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(3))))
}()

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// A value the CLI made, as JSON, for scripts.
func printJSON(_ value: some Encodable) {
    do { printJSON(try JSONValue(encoding: value)) } catch { printError("cannot print the answer as JSON: \(error)") }
}

/// Output for people, or JSON for scripts.
func printJSON(_ value: JSONValue) {
    let data = try! JSONSerialization.data(
        withJSONObject: JSONSerialization.jsonObject(with: Data(value.canonicalBytes), options: .fragmentsAllowed),
        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
    )
    print(String(decoding: data, as: UTF8.self))
}

/// Rows as tab-separated columns, or as JSON.
func printRows<Row: Codable & Equatable>(_ rows: [Row], json: Bool, _ columns: (Row) -> [String]) {
    if json { return printAnswer(rows) }
    for row in rows { print(columns(row).joined(separator: "\t")) }
}

/// Vocabularies of the API document as command-line options: `--role observer`.
extension Components.Schemas.NewUser.RolePayload: ExpressibleByArgument {}

/// A free-form JSON member of the API document (a record entry's or a case event's body) from a `JSONValue`, and back.
extension OpenAPIObjectContainer {
    init(_ value: JSONValue) throws { self = try value.decoded(as: OpenAPIObjectContainer.self) }
}

extension JSONValue {
    init(_ container: OpenAPIObjectContainer) throws { try self.init(encoding: container) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
