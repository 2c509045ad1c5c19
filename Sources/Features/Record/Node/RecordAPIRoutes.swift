import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import Storage

/// `/api/v1/record`, forums, agreements, norms, CBMs, capacity building and drills for the CLI and scripts.
struct RecordAPIRoutes {
    let records: RecordService
    let drills: DrillService
    let api: APIRoutes

    func register(on group: RouterGroup<NodeRequestContext>) {
        group.post("record") { request, context in try await self.write(request, context) }
        group.get("forums") { _, _ in try await self.forums() }
        group.get("forums/:forum") { _, context in try await self.forum(context) }
        group.get("forums/:forum/results/:call") { _, context in try await self.result(context) }
        group.get("agreements") { _, _ in try await self.agreements() }
        group.get("agreements/:agreement") { _, context in try await self.agreement(context) }
        group.get("norms") { _, _ in try await self.norms() }
        group.get("cbms") { _, _ in try await self.measures() }
        group.get("capacity") { _, _ in try await self.capacity() }
        group.get("drills") { _, _ in try await self.listDrills() }
        group.post("drills") { request, context in try await self.createDrill(request, context) }
        group.get("drills/:drill") { _, context in try await self.drill(context) }
    }

    struct WriteBody: Decodable {
        var kind: RecordKind
        var space: String?
        var body: JSONValue
        var by: String?
    }

    /// One entry. A `ballot` needs only `call` and `choice`, a `result` only `call`, an
    /// `agreement-signature` nothing: the node fills in what it signs.
    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await api.decode(WriteBody.self, from: request)
        let space = try body.space.map { text in
            guard let space = RecordSpace(text) else { throw APIError.badRequest("space must be public, forum:<id> or agreement:<id>") }
            return space
        }
        let person = api.person(body.by, context)
        return try await api.handling {
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

    func forums() async throws -> Response {
        JSONResponse.make(.array(try await records.forums().map(RecordRepresentation.forumSummary)))
    }

    func forum(_ context: NodeRequestContext) async throws -> Response {
        let id = try api.entryID(context, "forum")
        return try await api.handling { JSONResponse.make(try RecordRepresentation.forum(try await records.forum(id), now: Date())) }
    }

    func result(_ context: NodeRequestContext) async throws -> Response {
        let forum = try api.entryID(context, "forum")
        let call = try api.entryID(context, "call")
        return try await api.handling {
            let result = try await records.resultFile(in: forum, call: call)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .contentDisposition: "attachment; filename=\"result-\(call).json\""],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: result.fileBytes))
            )
        }
    }

    func agreements() async throws -> Response {
        JSONResponse.make(.array(try await records.agreements().map(RecordRepresentation.agreement)))
    }

    func agreement(_ context: NodeRequestContext) async throws -> Response {
        let id = try api.entryID(context, "agreement")
        return try await api.handling { JSONResponse.make(try RecordRepresentation.agreement(try await records.agreement(id))) }
    }

    func norms() async throws -> Response {
        JSONResponse.make(try RecordRepresentation.norms(try await records.publicRecord(), participants: await records.participants()))
    }

    func measures() async throws -> Response {
        let checks = CheckReport(checks: try await records.store.communicationChecks())
        return JSONResponse.make(
            try RecordRepresentation.measures(try await records.publicRecord(), participants: await records.participants(), checks: checks)
        )
    }

    func capacity() async throws -> Response {
        JSONResponse.make(try RecordRepresentation.capacity(try await records.publicRecord()))
    }

    func listDrills() async throws -> Response {
        JSONResponse.make(.array(try await drills.drills().map(RecordRepresentation.drill)))
    }

    struct DrillBody: Decodable {
        var scenario: DrillScenario
        var startInSeconds: Int?
    }

    func createDrill(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await api.decode(DrillBody.self, from: request)
        return try await api.handling {
            let id = try await drills.create(body.scenario, startIn: .seconds(body.startInSeconds ?? 0), createdBy: context.principal?.name)
            return JSONResponse.make(try RecordRepresentation.drill(try await drills.drill(id)), status: .created)
        }
    }

    func drill(_ context: NodeRequestContext) async throws -> Response {
        let id = try api.entryID(context, "drill")
        return try await api.handling { JSONResponse.make(try RecordRepresentation.drill(try await drills.drill(id))) }
    }
}
