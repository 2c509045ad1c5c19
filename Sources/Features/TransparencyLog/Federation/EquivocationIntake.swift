import EntenteProtocol
import Foundation
import Storage
import TransparencyLog

/// Proofs of equivocation travel between peers as `tlog.equivocation` envelopes, `{"proof": <proof JSON>}`:
/// whoever first holds one sends it to every peer, and every node that learns of one for the first time
/// sends it on, so that every participant sees it. A proof is taken only if it verifies with the key this
/// node pinned for that log (its own, for a proof against itself): a peer cannot raise a false alarm.
public struct EquivocationIntake: EnvelopeIntake {
    public static let envelopeType = "tlog.equivocation"

    let identity: LocalIdentity
    let peers: PeerDirectory
    let store: NodeStore

    public init(identity: LocalIdentity, peers: PeerDirectory, store: NodeStore) {
        self.identity = identity
        self.peers = peers
        self.store = store
    }

    public var envelopeType: String { Self.envelopeType }

    public func receive(_ envelope: Envelope, content: JSONValue, now: Date) async throws -> Date {
        guard let members = content.objectValue, Set(members.keys) == ["proof"], let text = members["proof"]?.stringValue else {
            throw ProtocolError.malformed("a tlog.equivocation envelope holds {\"proof\": <the proof as a JSON string>}")
        }
        let proof: EquivocationProof
        do { proof = try EquivocationProof(json: text) } catch { throw ProtocolError.malformed(error.description) }
        guard let log = await Self.logKey(of: proof.origin, identity: identity, peers: peers) else {
            throw ProtocolError.malformed("\(proof.origin) is not the log of a participant this node pinned")
        }
        do { try proof.verify(log: log) } catch { throw ProtocolError.malformed("the proof of equivocation does not hold: \(error)") }
        let gossip =
            try await store.holdsEquivocation(proof)
            ? [] : try await Self.gossip(proof, identity: identity, peers: peers, except: [envelope.sender], now: now)
        return try await store.recordIncoming(envelope, equivocation: proof, gossip: gossip, now: now)
    }

    /// The key a log signs with, as this node pinned it (or its own).
    public static func logKey(of origin: String, identity: LocalIdentity, peers: PeerDirectory) async -> NoteVerifier? {
        guard let id = LogNames.participant(ofOrigin: origin).flatMap(ParticipantID.init) else { return nil }
        let descriptor = id == identity.id ? identity.descriptor : await peers.peer(id)?.descriptor
        return descriptor.flatMap { try? NoteVerifier(name: origin, key: $0.keys.signing) }
    }

    /// The proof sealed to every pinned peer but `except`, in one envelope.
    public static func gossip(
        _ proof: EquivocationProof,
        identity: LocalIdentity,
        peers: PeerDirectory,
        except: [ParticipantID],
        now: Date
    ) async throws -> [Envelope] {
        let recipients = await peers.all().filter { !except.contains($0.record.id) }.map { ($0.record.id, $0.descriptor.keys.agreement) }
        guard !recipients.isEmpty else { return [] }
        return [
            try Envelope.seal(
                payload: ["proof": .string(proof.json)],
                type: envelopeType,
                from: identity.id,
                signingKey: identity.keys.signing,
                to: recipients,
                tlp: .green,
                exercise: false,
                id: UUIDv7.string(UUIDv7.generate(at: now)),
                createdAt: Timestamp.format(now)
            )
        ]
    }
}
