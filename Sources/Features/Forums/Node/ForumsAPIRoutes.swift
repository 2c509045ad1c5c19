import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral

/// `/api/v1/forums`: forums, their state and their results as files.
struct ForumsAPIRoutes: APIHandler {
    let records: RecordService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.get("forums") { _, _ in try await self.forums() }
        api.get("forums/:forum") { _, context in try await self.forum(context) }
        api.get("forums/:forum/results/:call") { _, context in try await self.result(context) }
    }

    func forums() async throws -> Response {
        JSONResponse.make(.array(try await records.forums().map(RecordRepresentation.forumSummary)))
    }

    func forum(_ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "forum")
        return try await handling { JSONResponse.make(try RecordRepresentation.forum(try await records.forum(id), now: Date())) }
    }

    func result(_ context: NodeRequestContext) async throws -> Response {
        let forum = try entryID(context, "forum")
        let call = try entryID(context, "call")
        return try await handling {
            let result = try await records.resultFile(in: forum, call: call)
            return JSONResponse.file(result.fileBytes, named: "result-\(call).json")
        }
    }
}
