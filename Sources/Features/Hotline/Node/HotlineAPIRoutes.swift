import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Storage

/// `/api/v1/messages`: sending, reading and acknowledging hotline messages.
struct HotlineAPIRoutes: APIHandler {
    let service: HotlineService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.post("messages") { request, context in try await self.send(request, context) }
        api.get("messages") { request, context in try await self.listMessages(request, context) }
        api.get("messages/:id") { _, context in try await self.message(context) }
        api.post("messages/:id/acknowledge") { request, context in try await self.acknowledge(request, context) }
    }

    struct SendBody: Codable {
        var to: [String]
        var template: Template
        var priority: Priority
        var subject: String
        var body: String?
        var language: String?
        var fields: [String: String]?
        var attachments: [HotlineMessage.Attachment]?
        var caseReference: String?
        var inReplyTo: String?
        var tlp: TLP?
        var exercise: Bool?
        var answersExerciseAsReal: Bool?
    }

    func send(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decode(SendBody.self, from: request)
        let recipients = try participants(body.to)
        let draft = HotlineService.Draft(
            to: recipients,
            template: body.template,
            priority: body.priority,
            subject: body.subject,
            body: body.body ?? "",
            language: body.language ?? "en",
            fields: body.fields ?? [:],
            attachments: body.attachments ?? [],
            caseReference: body.caseReference,
            inReplyTo: body.inReplyTo,
            tlp: body.tlp ?? .amber,
            exercise: body.exercise ?? false,
            answersExerciseAsReal: body.answersExerciseAsReal ?? false
        )
        return try await handling {
            let ids = try await service.send(draft, composedBy: context.principal?.name, role: context.principal?.role ?? .observer)
            return JSONResponse.make(["id": .string(ids[0]), "ids": .array(ids.map(JSONValue.string))], status: .created)
        }
    }

    func listMessages(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let box = request.uri.queryParameters.get("box") ?? "inbox"
        guard let direction: Direction = box == "inbox" ? .incoming : box == "sent" ? .outgoing : nil else {
            throw APIError.badRequest("box must be inbox or sent")
        }
        let limit = try limit(request)
        let now = Date()
        let role = context.principal?.role ?? .observer
        return JSONResponse.make(
            .array(
                try await service.store.messages(direction: direction, limit: limit).map {
                    try Representation.message($0.readable(by: role), now: now)
                }
            )
        )
    }

    func message(_ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "id", naming: "message")
        guard let message = try await service.store.message(id) else { throw APIError.notFound("no message \(id)") }
        return JSONResponse.make(try Representation.message(message.readable(by: context.principal?.role ?? .observer), now: Date()))
    }

    struct AcknowledgeBody: Codable { var by: String? }

    func acknowledge(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "id", naming: "message")
        let body = try await decodeOptional(AcknowledgeBody.self, from: request)
        let principal = context.principal ?? .operatorToken
        return try await handling {
            try await service.acknowledge(id, by: body?.by ?? principal.name, role: principal.role.rawValue)
            return JSONResponse.make(["id": .string(id), "acknowledged": true])
        }
    }
}
