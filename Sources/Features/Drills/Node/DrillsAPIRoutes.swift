import Foundation
import Hummingbird
import Multilateral

/// `/api/v1/drills`: drills, their scenarios and reports.
struct DrillsAPIRoutes: APIHandler {
    let drills: DrillService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.get("drills") { _, _ in try await self.listDrills() }
        api.post("drills") { request, context in try await self.createDrill(request, context) }
        api.get("drills/:drill") { _, context in try await self.drill(context) }
    }

    func listDrills() async throws -> Response {
        JSONResponse.make(.array(try await drills.drills().map(RecordRepresentation.drill)))
    }

    struct DrillBody: Codable {
        var scenario: DrillScenario
        var startInSeconds: Int?
    }

    func createDrill(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decode(DrillBody.self, from: request)
        return try await handling {
            let id = try await drills.create(body.scenario, startIn: .seconds(body.startInSeconds ?? 0), createdBy: context.principal?.name)
            return JSONResponse.make(try RecordRepresentation.drill(try await drills.drill(id)), status: .created)
        }
    }

    func drill(_ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "drill")
        return try await handling { JSONResponse.make(try RecordRepresentation.drill(try await drills.drill(id))) }
    }
}
