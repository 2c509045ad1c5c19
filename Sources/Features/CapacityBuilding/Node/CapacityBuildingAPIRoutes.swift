import Foundation
import Hummingbird

/// `/api/v1/capacity`: requests, offers and matches.
struct CapacityBuildingAPIRoutes: APIHandler {
    let records: RecordService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.get("capacity") { _, _ in try await self.capacity() }
    }

    func capacity() async throws -> Response {
        JSONResponse.make(try RecordRepresentation.capacity(try await records.publicRecord()))
    }
}
