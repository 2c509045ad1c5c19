import EntenteProtocol

/// Participants × norms: who committed to what (when, by which document) and which
/// cases allege a breach by whom.
public struct NormsMatrix: Sendable {
    public struct Cell: Sendable {
        public var commitment: PublicRecord.Item<Commitment>?
        public var allegations: [PublicRecord.Item<Allegation>]
    }

    public let participants: [ParticipantID]
    public let norms: [Norm]
    private let cells: [ParticipantID: [String: Cell]]

    /// `participants` are listed even with no entry; anyone with a commitment or named in an allegation is added.
    public init(record: PublicRecord, participants: [ParticipantID]) {
        var cells: [ParticipantID: [String: Cell]] = [:]
        for commitment in record.commitments {
            let existing = cells[commitment.author]?[commitment.body.norm]
            // The earliest commitment stands; later ones restate it.
            if existing?.commitment.map({ $0.body.date <= commitment.body.date }) != true {
                cells[commitment.author, default: [:]][commitment.body.norm] = Cell(commitment: commitment, allegations: existing?.allegations ?? [])
            }
        }
        for allegation in record.allegations {
            guard let accused = ParticipantID(allegation.body.against) else { continue }
            cells[accused, default: [:]][allegation.body.norm, default: Cell(commitment: nil, allegations: [])].allegations.append(allegation)
        }
        self.participants = Array(Set(participants).union(cells.keys)).sorted()
        self.norms = record.norms
        self.cells = cells
    }

    public func cell(_ participant: ParticipantID, _ norm: String) -> Cell {
        cells[participant]?[norm] ?? Cell(commitment: nil, allegations: [])
    }
}
