import EntenteProtocol
import Foundation

/// "We saw this here": a STIX sighting written on this node, which goes back to the
/// producer of what was sighted so that the producer learns where its indicator hit.
public enum Sightings {
    /// What an analyst reports.
    public struct Report: Sendable, Equatable {
        public var sightingOf: String
        public var count: Int
        public var firstSeen: Date?
        public var lastSeen: Date?
        public var note: String
        public var tlp: TLP
        /// Who may read a TLP:RED sighting.
        public var recipients: [String]

        public init(
            sightingOf: String,
            count: Int = 1,
            firstSeen: Date? = nil,
            lastSeen: Date? = nil,
            note: String = "",
            tlp: TLP = .amber,
            recipients: [String] = []
        ) {
            self.sightingOf = sightingOf
            self.count = count
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.note = note
            self.tlp = tlp
            self.recipients = recipients
        }
    }

    /// The identity a node's sightings name as where they were made, stable for a participant.
    public static func identityID(of participant: ParticipantID) -> String {
        "identity--" + CaseIntelligence.uuid5("participant/" + participant.rawValue)
    }

    public static func identity(of participant: ParticipantID, name: String, at now: Date) -> JSONValue {
        let created = Timestamp.format(now)
        return [
            "type": "identity", "spec_version": "2.1", "id": .string(identityID(of: participant)), "created": .string(created),
            "modified": .string(created), "name": .string("\(name) (\(participant.rawValue))"), "identity_class": "organization",
            "object_marking_refs": [.string(TLPMarking.definitions[.green]!)],
        ]
    }

    /// The sighting for a report; refused with the reason when the report does not make sense.
    public static func sighting(_ report: Report, by participant: ParticipantID, id: UUID = UUID(), at now: Date) throws(STIXError) -> JSONValue {
        guard report.sightingOf.contains("--"), report.sightingOf.utf8.count <= 300 else {
            throw STIXError("a sighting is of a STIX object identifier")
        }
        guard (1...999_999_999).contains(report.count) else { throw STIXError("count must be between 1 and 999,999,999") }
        guard report.note.utf8.count <= 10_000 else { throw STIXError("the note is at most 10,000 bytes") }
        if let first = report.firstSeen, let last = report.lastSeen, last < first { throw STIXError("last seen is before first seen") }
        let created = Timestamp.format(now)
        var sighting: [String: JSONValue] = [
            "type": "sighting", "spec_version": "2.1", "id": .string("sighting--" + id.uuidString.lowercased()), "created": .string(created),
            "modified": .string(created), "sighting_of_ref": .string(report.sightingOf), "count": .number(Double(report.count)),
            "created_by_ref": .string(identityID(of: participant)), "where_sighted_refs": [.string(identityID(of: participant))],
            "object_marking_refs": [.string(TLPMarking.definitions[report.tlp]!)],
        ]
        if let first = report.firstSeen { sighting["first_seen"] = .string(Timestamp.format(first)) }
        if let last = report.lastSeen { sighting["last_seen"] = .string(Timestamp.format(last)) }
        if !report.note.isEmpty { sighting["description"] = .string(report.note) }
        if report.tlp == .red { sighting["x_entente_recipients"] = .array(report.recipients.map(JSONValue.string)) }
        return .object(sighting)
    }

    /// The producer of what was sighted, as a reader: another organisation, under a name no
    /// TLP:RED object can address, so that nothing RED goes back with a sighting.
    public static let producer = Reader(name: "(producer)", relation: .partner)

    /// Whether a sighting written here may go to the producer, another organisation:
    /// what TLP lets a partner receive from its source. TLP:RED names its recipients on
    /// this node, so it never goes back on its own.
    public static func mayReturn(_ tlp: TLP) -> Bool {
        tlp != .red && TLPPolicy.allows(tlp, recipients: [], fromThisNode: true, reader: producer)
    }

    /// The objects a returning sighting needs beside it: what it names as where it was sighted.
    public static func identities(in sighting: JSONValue) -> [String] {
        (sighting["where_sighted_refs"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0.hasPrefix("identity--") }
    }
}
