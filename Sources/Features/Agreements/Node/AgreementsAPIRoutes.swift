import Foundation
import Hummingbird

/// `/api/v1/agreements`: the agreements this node holds.
struct AgreementsAPIRoutes: APIHandler {
    let records: RecordService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.get("agreements") { _, _ in try await self.agreements() }
        api.get("agreements/:agreement") { _, context in try await self.agreement(context) }
        api.get("agreements/:agreement/file") { _, context in try await self.file(context) }
    }

    func agreements() async throws -> Response {
        JSONResponse.make(.array(try await records.agreements().map(RecordRepresentation.agreement)))
    }

    func agreement(_ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "agreement")
        return try await handling { JSONResponse.make(try RecordRepresentation.agreement(try await records.agreement(id))) }
    }

    func file(_ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "agreement")
        return try await handling {
            let file = try await records.agreementFile(id)
            return JSONResponse.file(file.fileBytes, named: "agreement-\(id).json")
        }
    }
}
