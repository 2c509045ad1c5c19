import Foundation
import Hummingbird

/// `/api/v1/cbms`: each participant's status on each measure, and the communication checks behind measure 8.
struct ConfidenceBuildingAPIRoutes: APIHandler {
    let records: RecordService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.get("cbms") { _, _ in try await self.measures() }
    }

    func measures() async throws -> Response {
        let checks = CheckReport(checks: try await records.store.communicationChecks())
        return JSONResponse.make(
            try RecordRepresentation.measures(try await records.publicRecord(), participants: await records.participants(), checks: checks)
        )
    }
}
