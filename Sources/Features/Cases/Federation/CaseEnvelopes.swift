import Cases
import EntenteProtocol
import Foundation

/// How case events travel: in envelopes of type `case.events`, each carrying
/// one or more signed events of one case (docs/PROTOCOL.md, "Case events").
public enum CaseEnvelopes {
    public static let envelopeType = "case.events"
    public static let maximumEvents = DocumentEnvelopes.maximumDocuments

    /// Seals `events` to `recipients`, split over as many envelopes as their size needs.
    public static func seal(
        _ events: [CaseEvent],
        to recipients: [ParticipantID],
        state: CaseState,
        identity: LocalIdentity,
        peers: PeerDirectory,
        now: Date
    ) async throws -> [Envelope] {
        try await DocumentEnvelopes.seal(
            events.map(\.document),
            as: "events",
            type: envelopeType,
            to: recipients,
            tlp: state.tlp,
            exercise: state.exercise,
            identity: identity,
            peers: peers,
            now: now
        )
    }
}
