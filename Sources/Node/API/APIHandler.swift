import EntenteProtocol
import Foundation
import Hummingbird

/// What answers `/api/v1` requests: a feature's API routes and the node's administration. The helpers below
/// are the one way a request body is read and a refusal becomes the API's error document.
protocol APIHandler {}

extension APIHandler {
    /// The most a JSON request body may hold.
    static var bodyLimit: Int { 256 * 1024 }

    /// Runs `body`, turning what the services refuse into the API's error answers.
    func handling(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch { throw APIError.from(error) }
    }

    /// The request's JSON body as `T`. A member `T` does not know is refused, not ignored: a misspelt
    /// option must not silently do nothing.
    func decode<T: Codable>(_ type: T.Type, from request: Request) async throws -> T {
        try strictly(type, from: try await request.jsonBody(limit: Self.bodyLimit))
    }

    /// A body that may be left out altogether.
    func decodeOptional<T: Codable>(_ type: T.Type, from request: Request) async throws -> T? {
        let buffer = try await request.collectBody(limit: Self.bodyLimit)
        guard buffer.readableBytes > 0 else { return nil }
        let json: JSONValue
        do { json = try JSONValue(parsing: buffer.readableBytesView) } catch { throw APIError.badRequest("invalid body: \(error)") }
        return try strictly(type, from: json)
    }

    private func strictly<T: Codable>(_ type: T.Type, from json: JSONValue) throws -> T {
        let value: T
        do { value = try json.decoded(as: type) } catch { throw APIError.badRequest(error.description) }
        // What T understood is what it encodes back; a member of the body beyond that is unknown.
        let understood = try JSONValue(encoding: value)
        if let unknown = Self.unknownMembers(of: json, beyond: understood, at: "").first {
            throw APIError.badRequest("unknown or null member \(unknown): leave out what has no value")
        }
        return value
    }

    /// The paths of `given`'s members that `understood` lacks. An optional member given as null is among them:
    /// the document says to leave it out, and null would otherwise read as absent without a word.
    static func unknownMembers(of given: JSONValue, beyond understood: JSONValue, at path: String) -> [String] {
        switch (given, understood) {
        case (.object(let members), .object(let known)):
            members.sorted { $0.key < $1.key }.flatMap { name, value -> [String] in
                let memberPath = path.isEmpty ? name : "\(path).\(name)"
                guard let knownValue = known[name] else { return [memberPath] }
                return unknownMembers(of: value, beyond: knownValue, at: memberPath)
            }
        case (.array(let items), .array(let known)) where items.count == known.count:
            zip(items, known).enumerated().flatMap { index, pair in unknownMembers(of: pair.0, beyond: pair.1, at: "\(path)[\(index)]") }
        default: []
        }
    }

    /// The person taking a signed step: the name given, else the signed-in user or the operator.
    func person(_ name: String?, _ context: NodeRequestContext) -> Person {
        let principal = context.principal ?? .operatorToken
        return Person(name: name.map { String($0.prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 } ?? principal.name, role: principal.role.rawValue)
    }

    /// A UUIDv7 path parameter, naming a `thing` (by default, what the parameter is called). Text that is no
    /// id names nothing here: not found, like an id nothing has.
    func entryID(_ context: NodeRequestContext, _ parameter: String, naming thing: String? = nil) throws -> String {
        let thing = thing ?? parameter
        guard let id = context.parameters.get(parameter), UUIDv7.isValid(id) else {
            throw APIError.notFound("there is no \(thing) \(context.parameters.get(parameter)?.prefix(64) ?? ""): \(thing) ids are UUIDv7")
        }
        return id
    }

    /// A participant id path parameter (`{id}`); text that is no participant id names no peer.
    func participant(_ context: NodeRequestContext) throws -> ParticipantID {
        guard let id = context.parameters.get("id").flatMap(ParticipantID.init) else {
            throw APIError.notFound("there is no participant \(context.parameters.get("id")?.prefix(64) ?? "")")
        }
        return id
    }

    /// The `limit` query parameter: a whole number in `range`, else `defaultLimit` when it is absent.
    func limit(_ request: Request, default defaultLimit: Int = 200, range: ClosedRange<Int> = 1...1000) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return defaultLimit }
        guard let limit = Int(text), range.contains(limit) else {
            throw APIError.badRequest("limit must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return limit
    }

    /// Participant ids in a request body, each checked.
    func participants(_ texts: [String]) throws -> [ParticipantID] {
        try texts.map { text in
            guard let id = ParticipantID(text) else { throw APIError.badRequest("\(text) is not a participant id") }
            return id
        }
    }
}
