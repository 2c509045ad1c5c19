import ArgumentParser
import AsyncHTTPClient
import EntenteProtocol
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Node

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

    func client() throws -> NodeAPIClient {
        if let node, let token { return NodeAPIClient(baseURL: node, token: token) }
        let directory = NodeDirectory(path: data!)
        let address = try node ?? directory.nodeAddress()
        return NodeAPIClient(baseURL: address, token: try token ?? directory.operatorToken())
    }
}

/// The CLI's view of a node's `/api/v1`.
struct NodeAPIClient {
    let baseURL: String
    let token: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func get(_ path: String) async throws -> JSONValue { try await call(.GET, path, body: nil) }
    func post(_ path: String, _ body: JSONValue? = nil) async throws -> JSONValue { try await call(.POST, path, body: body) }
    func delete(_ path: String) async throws { _ = try await call(.DELETE, path, body: nil) }

    func call(_ method: HTTPMethod, _ path: String, body: JSONValue?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL.trimmingSuffix("/") + "/api/v1/" + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.canonicalBytes))
        }
        let response: HTTPClientResponse
        do {
            response = try await nodeHTTPClient.execute(request, timeout: .seconds(30))
        } catch {
            throw Failure(description: "cannot reach the node at \(baseURL): is `entente serve` running? (\(error))")
        }
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let json = bytes.readableBytes == 0 ? JSONValue.null : try? JSONValue(parsing: bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let message = json?["message"]?.stringValue ?? response.status.reasonPhrase
            throw Failure(description: "\(message) [\(json?["error"]?.stringValue ?? String(response.status.code))]")
        }
        guard let json else { throw Failure(description: "the node answered with something that is not JSON") }
        return json
    }
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

/// Output for people, or JSON for scripts.
func printJSON(_ value: JSONValue) {
    let data = try! JSONSerialization.data(
        withJSONObject: JSONSerialization.jsonObject(with: Data(value.canonicalBytes), options: .fragmentsAllowed),
        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
    )
    print(String(decoding: data, as: UTF8.self))
}

/// A JSON array as tab-separated rows of the named members, or as JSON.
func printRows(_ rows: JSONValue, columns: [String], json: Bool) {
    if json { return printJSON(rows) }
    for row in rows.arrayValue ?? [] {
        print(columns.map { row[$0]?.stringValue ?? "" }.joined(separator: "\t"))
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
