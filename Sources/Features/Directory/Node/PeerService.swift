import EntenteProtocol
import Federation
import Foundation
import Storage

/// Pinning peers and keeping their descriptors current: what the operator does in the directory, and what
/// the node does when a pinned peer's signature stops verifying.
public struct PeerService: Sendable {
    public let identity: LocalIdentity
    public let store: NodeStore
    public let peers: PeerDirectory
    let outbox: OutboxWorker
    let client: PeerClient

    public init(identity: LocalIdentity, store: NodeStore, peers: PeerDirectory, outbox: OutboxWorker, client: PeerClient) {
        self.identity = identity
        self.store = store
        self.peers = peers
        self.outbox = outbox
        self.client = client
    }

    /// Fetches a node's descriptor so that its fingerprint can be checked before pinning.
    public func preview(url: String) async throws -> (descriptor: NodeDescriptor, document: JSONValue) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw ServiceFailure.invalid("peer URL must be http:// or https://")
        }
        let fetched = try await client.fetchDescriptor(baseURL: url)
        guard fetched.descriptor.id != identity.id else { throw ServiceFailure.invalid("that is this node's own address") }
        return fetched
    }

    /// Pins the node at `url` if it presents `fingerprint`. Re-adding a pinned
    /// peer follows the key-rotation rule rather than silently re-pinning.
    public func addPeer(url: String, fingerprint: Fingerprint, now: Date = Date()) async throws -> PeerDirectory.Peer {
        let (descriptor, document) = try await preview(url: url)
        guard descriptor.keys.fingerprint == fingerprint else {
            throw ServiceFailure.fingerprintMismatch(expected: fingerprint.description, actual: descriptor.keys.fingerprint.description)
        }
        let peer: PeerDirectory.Peer
        if await peers.peer(descriptor.id) != nil {
            // The operator typed the fingerprint: that confirms a new endpoint or keys.
            guard case .applied(let updated) = try await peers.update(with: descriptor, document: document, now: now, confirmedByOperator: true)
            else {
                preconditionFailure("a confirmed change is applied")
            }
            peer = updated
        } else {
            peer = try await peers.pin(descriptor, document: document, now: now)
        }
        try await store.retryOutboxNow(recipient: descriptor.id.rawValue, now: now)
        await outbox.wake()
        return peer
    }

    /// Re-reads a pinned peer's descriptor: new POCs are taken; a new endpoint or rotated keys wait for
    /// the operator (`confirmPeer`) unless the policy takes signed rotations; anything else is refused.
    public func refreshPeer(_ id: ParticipantID, now: Date = Date()) async throws -> PeerDirectory.Update {
        guard let current = await peers.peer(id) else { throw ServiceFailure.notFound("\(id) is not a peer") }
        let (descriptor, document) = try await client.fetchDescriptor(baseURL: current.record.endpoint)
        guard descriptor.id == id else { throw ServiceFailure.invalid("the node at \(current.record.endpoint) now says it is \(descriptor.id)") }
        return try await peers.update(with: descriptor, document: document, now: now, confirmedByOperator: false)
    }

    /// The operator takes the endpoint or keys a peer asked for; what it owes that peer is retried at once.
    public func confirmPeer(_ id: ParticipantID, now: Date = Date()) async throws -> PeerDirectory.Peer {
        let peer: PeerDirectory.Peer
        do { peer = try await peers.confirmPending(id, now: now) } catch ProtocolError.unknownSender(let detail) {
            throw ServiceFailure.notFound(detail)
        }
        try await store.retryOutboxNow(recipient: id.rawValue, now: now)
        await outbox.wake()
        return peer
    }
}
