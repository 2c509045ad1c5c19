import EntenteProtocol
import Foundation
import Hummingbird

/// `/api/v1/peers`, `/api/v1/directory` and `/api/v1/alerts`: whom this node trusts, and what it refused.
struct DirectoryAPIRoutes: APIHandler {
    let service: PeerService

    func register(on api: APIGroups) {
        let admin = api.operatorOnly
        let api = api.any
        api.get("peers") { _, _ in try await self.listPeers() }
        api.get("directory") { _, _ in
            JSONResponse.make(await service.peers.anchors(with: service.identity).directory(exportedBy: service.identity.id))
        }
        admin.post("peers/preview") { request, _ in try await self.previewPeer(request) }
        admin.post("peers") { request, _ in try await self.addPeer(request) }
        admin.post("peers/:id/refresh") { _, context in try await self.refreshPeer(context) }
        admin.delete("peers/:id") { _, context in try await self.removePeer(context) }
        api.get("peers/pending") { _, _ in JSONResponse.make(.array(try await service.store.pendingChanges().map(Representation.pendingChange))) }
        admin.post("peers/:id/confirm") { _, context in
            let id = try participant(context)
            return try await handling { JSONResponse.make(try Representation.peer(try await service.confirmPeer(id))) }
        }
        admin.post("peers/:id/reject") { _, context in
            let id = try participant(context)
            try await service.peers.rejectPending(id)
            return JSONResponse.make(["rejected": .string(id.rawValue)])
        }
        api.get("alerts") { _, _ in try await self.alerts() }
    }

    func listPeers() async throws -> Response {
        JSONResponse.make(.array(try await service.peers.all().map(Representation.peer)))
    }

    struct URLRequestBody: Codable { var url: String }
    struct AddPeerBody: Codable {
        var url: String
        var fingerprint: String
    }

    func previewPeer(_ request: Request) async throws -> Response {
        let body = try await decode(URLRequestBody.self, from: request)
        return try await handling { JSONResponse.make(try Representation.descriptorPreview(try await service.preview(url: body.url).descriptor)) }
    }

    func addPeer(_ request: Request) async throws -> Response {
        let body = try await decode(AddPeerBody.self, from: request)
        guard let fingerprint = Fingerprint(body.fingerprint) else { throw APIError.badRequest("fingerprint must be 30 digits") }
        return try await handling {
            JSONResponse.make(try Representation.peer(try await service.addPeer(url: body.url, fingerprint: fingerprint)), status: .created)
        }
    }

    func refreshPeer(_ context: NodeRequestContext) async throws -> Response {
        let id = try participant(context)
        return try await handling {
            switch try await service.refreshPeer(id) {
            case .applied(let peer): return JSONResponse.make(try Representation.peer(peer))
            case .pending(let change): return JSONResponse.make(Representation.pendingChange(change), status: .accepted)
            }
        }
    }

    func removePeer(_ context: NodeRequestContext) async throws -> Response {
        let id = try participant(context)
        guard try await service.peers.remove(id) else { throw APIError.notFound("\(id) is not a peer") }
        return Response(status: .noContent)
    }

    func alerts() async throws -> Response {
        JSONResponse.make(.array(try await service.store.keyAlerts().map(Representation.alert)))
    }
}
