import EntenteProtocol
import Federation
import Foundation
import Hummingbird
import Logging

/// What other nodes call: the descriptor and the one envelope endpoint.
struct FederationRoutes {
    let identity: LocalIdentity
    let receiver: EnvelopeReceiver
    let peering: PeerService
    let outbox: OutboxWorker
    /// Per pinned sender, charged once its signature verified.
    let limiter: RateLimiter
    /// Per source address, charged before anything is parsed.
    let sourceLimiter: RateLimiter
    let metrics: NodeMetrics
    let refreshLimiter = RateLimiter(.init(rate: 1.0 / 60, burst: 1))

    func register(on router: Router<NodeRequestContext>) {
        router.get(".well-known/entente") { _, _ in JSONResponse.make(try identity.signedDescriptor()) }
        router.post("federation/v1/envelopes") { request, context in try await self.receive(request, context) }
    }

    /// A pinned peer whose signature fails may have rotated its keys: re-read its
    /// descriptor (at most once a minute per peer; the rotation rule still applies) and try again.
    func receiveRefreshingKeys(_ envelope: Envelope) async throws -> EnvelopeReceiver.Accepted {
        let admit: @Sendable (ParticipantID) async throws -> Void = { sender in
            if let wait = await limiter.admit("peer:" + sender.rawValue) { throw APIError.rateLimited(wait) }
        }
        do {
            return try await receiver.receive(envelope, admitSender: admit)
        } catch ProtocolError.badSignature {
            if await refreshLimiter.admit("refresh:" + envelope.sender.rawValue) == nil,
                case .applied = try? await peering.refreshPeer(envelope.sender)
            {
                return try await receiver.receive(envelope, admitSender: admit)
            }
            // Signed with keys the peer offered and this node's operator has yet to confirm: say so, so that
            // the sender keeps retrying instead of giving up on a refusal.
            if let offered = await peering.peers.pendingDescriptor(envelope.sender),
                (try? envelope.verifySignature(with: offered.keys.signing)) != nil
            {
                throw ProtocolError.keyChangePending(
                    "\(identity.id)'s operator has yet to confirm \(envelope.sender)'s new keys \(offered.keys.fingerprint)"
                )
            }
            throw ProtocolError.badSignature
        }
    }

    func receive(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        do {
            // The source address is all that is known before parsing: a flood of junk that names
            // a peer as its sender is charged to the flooder's address, never to that peer.
            if let wait = await sourceLimiter.admit("source:" + context.clientAddress) { throw APIError.rateLimited(wait) }
            let bytes = try await request.collectBody(limit: Envelope.maximumSize)
            let envelope = try Envelope(wireBytes: bytes.readableBytesView)
            let accepted = try await receiveRefreshingKeys(envelope)
            metrics.envelopesReceived.increment()
            if accepted.isNew { await outbox.peerIsReachable(envelope.sender.rawValue) }
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
