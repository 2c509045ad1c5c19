import EntenteProtocol

/// One of the OSCE's sixteen cyber/ICT confidence-building measures.
public struct ConfidenceBuildingMeasure: Sendable, Equatable, Codable {
    public var number: Int
    public var title: String
    /// The decision that adopted it.
    public var decision: String
}

/// The OSCE measures as a shipped catalogue: 1–11 from Permanent Council Decision No. 1106
/// (2013), 12–16 from Decision No. 1202 (2016). Titles summarise each measure; the
/// decisions hold the authoritative text.
public enum MeasureCatalogue {
    static let first = "OSCE PC.DEC/1106 (2013)"
    static let second = "OSCE PC.DEC/1202 (2016)"
    /// The measure establishing the network of national Points of Contact, which communication checks exercise.
    public static let pointsOfContact = 8

    public static let shipped: [ConfidenceBuildingMeasure] = [
        .init(number: 1, title: "Share national views on ICT threats, national and transnational", decision: first),
        .init(number: 2, title: "Facilitate co-operation and information exchange among competent national bodies", decision: first),
        .init(number: 3, title: "Hold consultations to reduce the risks of misperception, tension or conflict stemming from ICTs", decision: first),
        .init(number: 4, title: "Share information on measures for an open, interoperable, secure and reliable Internet", decision: first),
        .init(number: 5, title: "Use the OSCE as a platform for dialogue, best practices, awareness-raising and capacity building", decision: first),
        .init(number: 6, title: "Have modern national legislation that facilitates co-operation and timely information sharing", decision: first),
        .init(number: 7, title: "Share information on national organisation, strategies, policies and programmes", decision: first),
        .init(number: 8, title: "Nominate a contact point to facilitate communication and dialogue (Points of Contact network)", decision: first),
        .init(number: 9, title: "Provide a list of national terminology with explanations of terms", decision: first),
        .init(number: 10, title: "Exchange views using OSCE platforms, mechanisms and networks", decision: first),
        .init(
            number: 11,
            title: "Meet at least three times a year at the level of national experts to discuss the exchanges and develop CBMs",
            decision: first
        ),
        .init(
            number: 12,
            title: "Share information and facilitate inter-state exchanges: workshops, seminars, roundtables, including regionally",
            decision: second
        ),
        .init(
            number: 13,
            title: "Conduct activities supporting authorised and protected communication channels to prevent misperception and escalation",
            decision: second
        ),
        .init(
            number: 14,
            title: "Promote public-private partnerships and exchange best practices in responding to common challenges",
            decision: second
        ),
        .init(
            number: 15,
            title: "Encourage regional and subregional collaboration between authorities securing critical infrastructure",
            decision: second
        ),
        .init(number: 16, title: "Encourage responsible reporting of ICT vulnerabilities and share information on remedies", decision: second),
    ]

    public static func measure(_ number: Int) -> ConfidenceBuildingMeasure? { shipped.first { $0.number == number } }
}

/// A participant's implementation status of one measure, with its evidence.
public struct MeasureStatus: RecordBody {
    public static let kind = RecordKind.cbmStatus

    public enum Status: String, Codable, Sendable, CaseIterable {
        case notStarted = "not-started"
        case planned
        case inProgress = "in-progress"
        case implemented
    }

    public var measure: Int
    public var status: Status
    /// What shows it: a document, a URL, an event.
    public var evidence: String

    public init(measure: Int, status: Status, evidence: String) {
        self.measure = measure
        self.status = status
        self.evidence = evidence
    }

    public func validate() throws(DocumentError) {
        guard MeasureCatalogue.measure(measure) != nil else { throw .invalid("measure must be 1 to 16") }
        try Bounds.text(evidence, "evidence", max: 4000, required: status == .implemented)
    }
}
