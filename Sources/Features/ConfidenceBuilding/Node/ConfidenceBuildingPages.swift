import WebInterface

/// The status form, as posted.
struct MeasureStatusForm: PublicEntryForm {
    var kind: String?
    var measure: String?
    var status: String?
    var evidence: String?
}

/// The matrix of statuses, the communication checks, and the form that reports a status.
struct MeasuresPage: Page {
    static let template = "cbms"

    struct Row: PageModel {
        let number: Int
        let title: String
        /// Measure 8, which the hotline's communication checks exercise.
        let isPOC: Bool
        let cells: [Cell]
    }

    struct Cell: PageModel {
        let status: String
        let evidence: String
    }

    struct Check: PageModel {
        let peer: String
        let checks: Int
        let reached: Int
        let answered: Int
        let median: String
    }

    let participants: [String]
    let rows: [Row]
    let measures: [Option]
    let statuses: [Option]
    let checks: [Check]
    let hasChecks: Bool
    let typed: MeasureStatusForm?
    let error: String?
}
