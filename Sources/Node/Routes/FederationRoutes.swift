import EntenteProtocol
import Federation
import Foundation
import Hummingbird
import Logging

/// What other nodes call: the descriptor and the one envelope endpoint.
struct FederationRoutes {
    let identity: LocalIdentity
    let receiver: EnvelopeReceiver
    let service: HotlineService
    let limiter: RateLimiter
    let metrics: NodeMetrics
    let refreshLimiter = RateLimiter(.init(rate: 1.0 / 60, burst: 1))

    func register(on router: Router<NodeRequestContext>) {
        router.get(".well-known/entente") { _, _ in JSONResponse.make(try identity.signedDescriptor()) }
        router.post("federation/v1/envelopes") { request, context in try await self.receive(request, context) }
    }

    /// A pinned peer whose signature fails may have rotated its keys: re-read its
    /// descriptor (at most once a minute per peer; the rotation rule still applies) and try again.
    func receiveRefreshingKeys(_ envelope: Envelope) async throws -> EnvelopeReceiver.Accepted {
        do {
            return try await receiver.receive(envelope)
        } catch ProtocolError.badSignature {
            guard await refreshLimiter.admit("refresh:" + envelope.sender.rawValue) == nil,
                (try? await service.refreshPeer(envelope.sender)) != nil
            else { throw ProtocolError.badSignature }
            return try await receiver.receive(envelope)
        }
    }

    func receive(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        do {
            let bytes = try await request.collectBody(limit: Envelope.maximumSize)
            let envelope = try Envelope(wireBytes: bytes.readableBytesView)
            // Limit by claimed sender before any cryptography, so a flood costs the flooder, not us.
            if let wait = await limiter.admit("peer:" + envelope.sender.rawValue) { throw APIError.rateLimited(wait) }
            let accepted = try await receiveRefreshingKeys(envelope)
            metrics.envelopesReceived.increment()
            if accepted.isNew { await service.outbox.peerIsReachable(envelope.sender.rawValue) }
            return JSONResponse.make(accepted.receipt)
        } catch let error as ProtocolError {
            metrics.envelopesRejected.increment()
            context.logger.notice("envelope refused", metadata: ["code": "\(error.code)", "reason": "\(error)"])
            throw APIError.from(error)
        } catch let error as APIError {
            metrics.envelopesRejected.increment()
            throw error
        }
    }
}
