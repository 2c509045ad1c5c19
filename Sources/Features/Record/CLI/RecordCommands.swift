import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral
import NodeAPI
import OpenAPIRuntime

/// A command that writes one entry of the multilateral record through the node's API
/// (`POST /api/v1/record`) and prints the new entry's id, or the entry as JSON.
protocol RecordWrite: AsyncParsableCommand {
    var connection: NodeConnectionOptions { get }
    var json: Bool { get }
    func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue)
}

extension RecordWrite {
    func run() async throws {
        let client = try connection.client()
        let (kind, space, body) = try await entry(client)
        let written = try await client.write(kind, space: space, body: body)
        if json { printAnswer(written) } else { print(written.id) }
    }
}

extension NodeAPIClient {
    /// Writes one entry of the multilateral record; answers the entry as the node signed and stored it.
    func write(_ kind: RecordKind, space: String? = nil, body: JSONValue) async throws -> Components.Schemas.RecordEntry {
        guard let documented = Components.Schemas.NewRecordEntry.KindPayload(rawValue: kind.rawValue) else {
            throw ExitError("the node's API document has no record entry kind \(kind.rawValue)")
        }
        let entry = Components.Schemas.NewRecordEntry(kind: documented, space: space, body: try OpenAPIObjectContainer(body))
        return try await call { try await $0.writeRecordEntry(body: .json(entry)).created.body.json }
    }

    /// This node's participant id.
    func nodeID() async throws -> String { try await call { try await $0.getNode().ok.body.json.id } }
}

/// `--text` given inline, or `@FILE` to read it from a file.
func textArgument(_ value: String) throws -> String {
    guard value.hasPrefix("@") else { return value }
    let path = String(value.dropFirst())
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return String(decoding: data, as: UTF8.self)
}

/// `90s`, `30m`, `2h`, `1d` as seconds.
func seconds(_ text: String) throws -> Int {
    let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    guard let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count > 0 else {
        throw ValidationError("expected a duration such as 90s, 30m, 2h or 1d, got \(text)")
    }
    return count * unit
}
