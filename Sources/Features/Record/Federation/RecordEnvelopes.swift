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
        _ entries: [RecordEntry],
        in space: RecordSpace,
        to recipients: [ParticipantID],
        identity: LocalIdentity,
        peers: PeerDirectory,
        now: Date
    ) async throws -> [Envelope] {
        try await DocumentEnvelopes.seal(
            entries.map(\.document),
            as: "entries",
            type: envelopeType,
            to: recipients,
            tlp: tlp(of: space),
            exercise: false,
            identity: identity,
            peers: peers,
            now: now
        )
    }
}
