import EntenteProtocol
import Foundation
import Storage

/// The pinned peers, cached in memory: every inbound envelope needs its sender's key.
public actor PeerDirectory {
    public struct Peer: Sendable {
        public let record: PeerRecord
        public let descriptor: NodeDescriptor
    }

    /// What a fresh descriptor from a pinned peer led to.
    public enum Update: Sendable {
        /// Taken: nothing that changes trust, or a change a person confirmed, or a rotation the policy takes.
        case applied(Peer)
        /// Held for the operator (`entente peer confirm`), with an alert.
        case pending(PendingPeerChange)
    }

    private let store: NodeStore
    /// Take a rotation signed by the pinned key without asking the operator (`serve --accept-signed-rotations`).
    /// Off by default: with it, whoever steals a signing key can rotate to keys of its own, silently and for good.
    public let acceptsSignedRotations: Bool
    private var peers: [ParticipantID: Peer] = [:]
    private var pending: [ParticipantID: NodeDescriptor] = [:]

    public init(store: NodeStore, acceptsSignedRotations: Bool = false) async throws {
        self.store = store
        self.acceptsSignedRotations = acceptsSignedRotations
        for record in try await store.peers() {
            peers[record.id] = Peer(record: record, descriptor: try record.verifiedDescriptor())
        }
        for change in try await store.pendingChanges() {
            guard let id = ParticipantID(change.peer) else { continue }
            pending[id] = try NodeDescriptor(verifying: JSONValue(parsing: change.descriptor))
        }
    }

    /// The descriptor a peer offered and the operator has yet to confirm.
    public func pendingDescriptor(_ id: ParticipantID) -> NodeDescriptor? { pending[id] }

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
        let record = PeerRecord(
            descriptor: descriptor,
            signedDescriptor: document,
            pinnedAt: peers[descriptor.id]?.record.pinnedAt ?? now,
            updatedAt: now
        )
        try await store.savePeer(record)
        let peer = Peer(record: record, descriptor: descriptor)
        peers[descriptor.id] = peer
        return peer
    }

    public func remove(_ id: ParticipantID) async throws -> Bool {
        peers[id] = nil
        pending[id] = nil
        return try await store.removePeer(id.rawValue)
    }

    /// A fresh descriptor from an already pinned peer. An older one (by sequence) is a replay and
    /// refused; keys that are not the pinned ones or rotated by the pinned key are refused. A new
    /// endpoint or a rotation is a change of trust: taken only when `confirmedByOperator` (the
    /// operator checked the fingerprint, `peer add`) or, for a rotation, when the policy takes signed
    /// rotations; otherwise held as pending. Every refusal and every held change raises the peer's alert.
    public func update(with descriptor: NodeDescriptor, document: JSONValue, now: Date, confirmedByOperator: Bool) async throws -> Update {
        guard let current = peers[descriptor.id] else { throw ProtocolError.unknownSender(descriptor.id.rawValue) }
        func refuse(_ reason: String) async throws -> Never {
            try await store.raiseKeyAlert(
                peer: descriptor.id.rawValue,
                offeredFingerprint: descriptor.keys.fingerprint.digits,
                detail: reason,
                at: now
            )
            throw ProtocolError.keyChangeRefused(reason)
        }
        let pinned = current.descriptor
        if descriptor.sequence < pinned.sequence {
            try await refuse("descriptor sequence \(descriptor.sequence) is older than the pinned \(pinned.sequence): a replayed descriptor")
        }
        if descriptor.sequence == pinned.sequence, try descriptor.content != pinned.content {
            try await refuse("descriptor sequence \(descriptor.sequence) says something else than the pinned descriptor with the same sequence")
        }
        let rotated: Bool
        switch PinDecision.evaluate(descriptor, pinned: pinned.keys) {
        case .unchanged: rotated = false
        case .rotated: rotated = true
        case .refused(let reason): try await refuse(reason)
        }
        let moved = descriptor.endpoint != current.record.endpoint
        let needsOperator = (moved || (rotated && !acceptsSignedRotations)) && !confirmedByOperator
        guard needsOperator else {
            pending[descriptor.id] = nil
            try await store.deletePendingChange(peer: descriptor.id.rawValue)
            return .applied(try await pin(descriptor, document: document, now: now))
        }
        var changes: [String] = []
        if moved { changes.append("move from \(current.record.endpoint) to \(descriptor.endpoint)") }
        if rotated { changes.append("rotate its keys to fingerprint \(descriptor.keys.fingerprint) (signed by its pinned key)") }
        let summary =
            "\(descriptor.id) asks to " + changes.joined(separator: " and ")
            + "; held until the operator confirms it (entente peer confirm \(descriptor.id))"
        let change = PendingPeerChange(peer: descriptor.id.rawValue, descriptor: document.canonicalString, summary: summary, offeredAt: now)
        try await store.savePendingChange(change)
        pending[descriptor.id] = descriptor
        try await store.raiseKeyAlert(peer: descriptor.id.rawValue, offeredFingerprint: descriptor.keys.fingerprint.digits, detail: summary, at: now)
        return .pending(change)
    }

    /// The operator takes the change a peer asked for; it is checked against the pins again.
    public func confirmPending(_ id: ParticipantID, now: Date) async throws -> Peer {
        guard let descriptor = pending[id], let change = try await store.pendingChanges().first(where: { $0.peer == id.rawValue }) else {
            throw ProtocolError.unknownSender("\(id) has no change waiting for confirmation")
        }
        guard
            case .applied(let peer) = try await update(
                with: descriptor,
                document: try JSONValue(parsing: change.descriptor),
                now: now,
                confirmedByOperator: true
            )
        else {
            preconditionFailure("a confirmed change is applied")
        }
        try await store.clearKeyAlerts(peer: id.rawValue)
        return peer
    }

    /// The operator refuses the change a peer asked for; the pinned descriptor stays.
    public func rejectPending(_ id: ParticipantID) async throws {
        pending[id] = nil
        try await store.deletePendingChange(peer: id.rawValue)
    }
}
