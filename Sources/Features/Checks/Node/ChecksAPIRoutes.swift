import EntenteProtocol
import Foundation
import Hummingbird

/// `/api/v1/checks`: send communication checks, and read their report.
struct ChecksAPIRoutes: APIHandler {
    let service: HotlineService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.post("checks") { request, context in try await self.sendChecks(request, context) }
        api.get("checks") { _, _ in try await self.checkReport() }
    }

    struct CheckBody: Codable {
        var to: [String]?
        var exercise: Bool?
    }

    func sendChecks(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decodeOptional(CheckBody.self, from: request)
        let targets = try body?.to.map(participants)
        return try await handling {
            let sent = try await service.sendCommunicationChecks(to: targets, composedBy: context.principal?.name, exercise: body?.exercise ?? false)
            return JSONResponse.make(["sent": .object(sent.mapValues(JSONValue.string))], status: .created)
        }
    }

    func checkReport() async throws -> Response {
        JSONResponse.make(Representation.checkReport(CheckReport(checks: try await service.store.communicationChecks())))
    }
}
