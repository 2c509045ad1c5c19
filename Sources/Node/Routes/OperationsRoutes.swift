import Foundation
import Hummingbird

/// Health, metrics and the API description: what operators and their tooling read.
struct OperationsRoutes {
    let service: HotlineService
    let metrics: NodeMetrics

    static let openAPIDocument: ByteBuffer = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            preconditionFailure("openapi.json is missing from the Node module's resources")
        }
        return ByteBuffer(bytes: data)
    }()

    func register(on router: Router<NodeRequestContext>) {
        router.get("health") { _, _ in try await self.health() }
        router.get("metrics") { _, _ in
            try await metrics.refresh(from: service.store)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition()))
            )
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: Self.openAPIDocument))
        }
    }

    func health() async throws -> Response {
        do {
            let depth = try await service.store.outboxDepth()
            return JSONResponse.make([
                "status": "ok", "id": .string(service.identity.id.rawValue), "database": .string(service.store.database.kind.rawValue),
                "outboxDepth": .number(Double(depth)),
            ])
        } catch {
            return JSONResponse.make(["status": "unavailable", "error": "database unreachable"], status: .serviceUnavailable)
        }
    }
}
