import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import Storage

/// `/api/v1/record`: one entry of any kind, in the public record, a forum or an agreement.
struct RecordAPIRoutes: APIHandler {
    let records: RecordService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.post("record") { request, context in try await self.write(request, context) }
    }

    struct WriteBody: Codable {
        var kind: RecordKind
        var space: String?
        var body: JSONValue
        var by: String?
    }

    /// One entry. A `ballot` needs only `call` and `choice`, a `result` only `call`, an
    /// `agreement-signature` nothing: the node fills in what it signs.
    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decode(WriteBody.self, from: request)
        let space = try body.space.map { text in
            guard let space = RecordSpace(text) else { throw APIError.badRequest("space must be public, forum:<id> or agreement:<id>") }
            return space
        }
        let person = person(body.by, context)
        return try await handling {
            let entry: RecordEntry
            switch (body.kind, space) {
            case (.ballot, .forum(let forum)?) where body.body["textDigest"] == nil:
                guard let call = body.body["call"]?.stringValue, let choice = body.body["choice"]?.stringValue.flatMap(Choice.init) else {
                    throw APIError.badRequest("a ballot names its call and a choice: yes, no, abstain or objection")
                }
                entry = try await records.vote(in: forum, call: call, choice: choice, by: person)
            case (.result, .forum(let forum)?):
                guard let call = body.body["call"]?.stringValue else { throw APIError.badRequest("a result names its call") }
                entry = try await records.publishResult(in: forum, call: call, by: person)
            case (.agreementSignature, .agreement(let agreement)?):
                entry = try await records.signAgreement(agreement, by: person)
            default:
                entry = try await records.write(body.kind, body: body.body, in: space, by: person)
            }
            return JSONResponse.make(RecordRepresentation.entry(entry), status: .created)
        }
    }
}
