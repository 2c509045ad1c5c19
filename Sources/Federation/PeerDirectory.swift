import EntenteProtocol
import Foundation
import Storage

/// The pinned peers, cached in memory: every inbound envelope needs its sender's key.
public actor PeerDirectory {
    public struct Peer: Sendable {
        public let record: PeerRecord
        public let descriptor: NodeDescriptor
    }

    private let store: NodeStore
    private var peers: [ParticipantID: Peer] = [:]

    public init(store: NodeStore) async throws {
        self.store = store
        for record in try await store.peers() {
            peers[record.id] = Peer(record: record, descriptor: try record.verifiedDescriptor())
        }
    }

    public func peer(_ id: ParticipantID) -> Peer? { peers[id] }

    /// Whom this node trusts with which keys: itself and every pinned peer, each by its current
    /// keys and the ones its rotation statement replaced (so documents signed before it rotated still verify).
    public func anchors(with identity: LocalIdentity) -> TrustAnchors {
        var anchors = TrustAnchors()
        anchors.add(identity.id, keys: identity.keys.publicKeys, rotatedFrom: identity.rotation?.previous)
        for peer in peers.values { anchors.add(peer.record.id, keys: peer.descriptor.keys, rotatedFrom: peer.descriptor.rotation?.previous) }
        return anchors
    }
    public func all() -> [Peer] { peers.values.sorted { $0.record.id < $1.record.id } }

    /// Pins `descriptor` as the peer's identity. The caller has had its fingerprint confirmed.
    public func pin(_ descriptor: NodeDescriptor, document: JSONValue, now: Date) async throws -> Peer {
        let record = PeerRecord(descriptor: descriptor, signedDescriptor: document, pinnedAt: peers[descriptor.id]?.record.pinnedAt ?? now, updatedAt: now)
        try await store.savePeer(record)
        let peer = Peer(record: record, descriptor: descriptor)
        peers[descriptor.id] = peer
        return peer
    }

    public func remove(_ id: ParticipantID) async throws -> Bool {
        peers[id] = nil
        return try await store.removePeer(id.rawValue)
    }

    /// Accepts a fresh descriptor from an already pinned peer if its keys are the
    /// pinned ones or were rotated by the pinned key; otherwise raises an alert and refuses.
    public func update(with descriptor: NodeDescriptor, document: JSONValue, now: Date) async throws -> Peer {
        guard let current = peers[descriptor.id] else { throw ProtocolError.unknownSender(descriptor.id.rawValue) }
        switch PinDecision.evaluate(descriptor, pinned: current.descriptor.keys) {
        case .unchanged, .rotated:
            return try await pin(descriptor, document: document, now: now)
        case .refused(let reason):
            try await store.raiseKeyAlert(peer: descriptor.id.rawValue, offeredFingerprint: descriptor.keys.fingerprint.digits, detail: reason, at: now)
            throw ProtocolError.keyChangeRefused(reason)
        }
    }
}
