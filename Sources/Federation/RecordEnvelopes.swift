import EntenteProtocol
import Foundation
import Multilateral

/// How entries of the multilateral record travel: envelopes of type `record.entries`,
/// each carrying signed entries of one space (docs/PROTOCOL.md, "The multilateral record").
public enum RecordEnvelopes {
    public static let envelopeType = "record.entries"

    /// Public entries are for the whole community (TLP:GREEN); a forum's or an agreement's for its members (TLP:AMBER).
    static func tlp(of space: RecordSpace) -> TLP { space == .publicRecord ? .green : .amber }

    public static func seal(
        _ entries: [RecordEntry], in space: RecordSpace, to recipients: [ParticipantID], identity: LocalIdentity, peers: PeerDirectory, now: Date
    ) async throws -> [Envelope] {
        try await DocumentEnvelopes.seal(
            entries.map(\.document), as: "entries", type: envelopeType, to: recipients, tlp: tlp(of: space), exercise: false,
            identity: identity, peers: peers, now: now
        )
    }
}

/// Who receives a space's entries, as far as the entries held tell.
public enum RecordAudience {
    /// The forum's host and members, or the agreement's parties; nil for the public record
    /// (every peer) or when the space's opening entry is not held yet.
    public static func of(_ space: RecordSpace, entries: [RecordEntry]) -> [ParticipantID]? {
        switch space {
        case .publicRecord: return nil
        case .forum(let id):
            let state = ForumState(id: id, entries: entries)
            return state.host == nil ? nil : state.audience
        case .agreement(let id):
            let state = AgreementState(id: id, entries: entries)
            return state.agreement == nil ? nil : state.parties
        }
    }

    /// The participant that relays a space's entries to members an author missed: a forum's host.
    public static func relay(of space: RecordSpace, entries: [RecordEntry]) -> ParticipantID? {
        guard case .forum(let id) = space else { return nil }
        return ForumState(id: id, entries: entries).host
    }
}
