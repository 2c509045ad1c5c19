import Foundation
import Hummingbird

/// `/api/v1/norms`: the norms and the matrix of commitments and allegations.
struct NormsAPIRoutes: APIHandler {
    let records: RecordService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.get("norms") { _, _ in try await self.norms() }
    }

    func norms() async throws -> Response {
        JSONResponse.make(try RecordRepresentation.norms(try await records.publicRecord(), participants: await records.participants()))
    }
}
