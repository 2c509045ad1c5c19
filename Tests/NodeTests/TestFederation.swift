import AsyncHTTPClient
import EntenteProtocol
import Federation
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import Node

/// Nodes on loopback, each with its own data directory and SQLite database
/// (or, with ENTENTE_TEST_POSTGRES_URL, its own PostgreSQL database).
final class TestNode: @unchecked Sendable {
    let id: ParticipantID
    let directory: NodeDirectory
    let port: Int
    var server: NodeServer!
    var options: NodeServer.Options

    var url: String { "http://127.0.0.1:\(port)" }
    var service: HotlineService { server.service }
    var fingerprint: Fingerprint { server.identity.keys.publicKeys.fingerprint }

    init(_ id: String, root: URL, deadlines: [String: Int] = [:]) throws {
        self.id = ParticipantID(id)!
        port = try freePort()
        directory = NodeDirectory(path: root.appendingPathComponent(id.lowercased()).path)
        try directory.initialize(
            .init(
                id: self.id,
                name: "Node \(id)",
                kind: .state,
                url: "http://127.0.0.1:\(port)",
                pointsOfContact: [
                    .init(
                        role: .technical,
                        name: "\(id) CERT",
                        email: "cert@\(id.lowercased()).example",
                        languages: ["en"],
                        timeZone: "UTC",
                        availability: .roundTheClock
                    )
                ],
                acknowledgementDeadlines: deadlines
            )
        )
        options = NodeServer.Options()
        options.port = port
        options.retry = .init(initial: .milliseconds(50), maximum: .milliseconds(400))
        options.passwordHasher = PasswordHasher(cost: 1 << 10)
    }

    func start() async throws {
        var logger = Logger(label: "test.\(id)")
        logger.logLevel = .warning
        server = try await NodeServer.open(directory: directory, options: options, logger: logger)
        _ = try await server.start()
    }

    func stop() async { await server.stop() }

    func pin(_ other: TestNode) async throws {
        _ = try await server.peering.addPeer(url: other.url, fingerprint: other.fingerprint)
    }

    var operatorToken: String { try! directory.operatorToken() }
}

struct TestFederation {
    let root: URL
    let nodes: [TestNode]

    /// Starts the nodes and pins every pair.
    static func start(_ ids: [String], deadlines: [String: Int] = [:], configure: (TestNode) -> Void = { _ in }) async throws -> TestFederation {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("entente-federation-\(UUID())")
        let nodes = try ids.map { try TestNode($0, root: root, deadlines: deadlines) }
        nodes.forEach(configure)
        for node in nodes { try await node.start() }
        for node in nodes {
            for other in nodes where other !== node { try await node.pin(other) }
        }
        return TestFederation(root: root, nodes: nodes)
    }

    subscript(id: String) -> TestNode { nodes.first { $0.id.rawValue == id }! }

    func stop() async {
        for node in nodes where node.server != nil { await node.stop() }
        try? FileManager.default.removeItem(at: root)
    }
}

/// Polls `condition` until it holds; fails the test after `timeout`. Waiting, not timing: no assertion is made on how long it took.
func eventually(_ description: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting until \(description)")
    throw CancellationError()
}

func freePort() throws -> Int {
    let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A raw HTTP exchange with a node, for the tests that speak the wire format directly.
struct HTTPExchange {
    let status: Int
    let headers: HTTPHeaders
    let body: String
    var json: JSONValue? { try? JSONValue(parsing: body) }
}

/// Does not follow redirects, so tests see the 303s the web interface answers with.
let testClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

func http(_ method: HTTPMethod, _ url: String, body: String? = nil, headers: [(String, String)] = []) async throws -> HTTPExchange {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let response = try await testClient.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 32 << 20)
    return HTTPExchange(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
}
