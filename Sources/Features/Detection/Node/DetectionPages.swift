import WebInterface

/// The filter of the findings page, as sent (a GET form: the filtered page can be bookmarked and reloaded).
struct FindingsFilterForm: Decodable, PageModel {
    var kind: String?
    var minScore: String?
    var text: String?
    var explained: String?

    /// The filter as a query string, so that acting on a finding comes back to the same list.
    var query: String {
        let pairs = [("kind", kind), ("minScore", minScore), ("text", text), ("explained", explained)]
        return pairs.compactMap { name, value in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }.map { "&" + $0 }.joined()
    }
}

/// The sighting button under a finding, as posted: the filter it was pressed under.
struct FindingSightingForm: Decodable {
    var kind: String?
    var minScore: String?
    var text: String?
    var explained: String?

    var filter: FindingsFilterForm { FindingsFilterForm(kind: kind, minScore: minScore, text: text, explained: explained) }
}

/// The evidence form under a finding, as posted, with the filter it was sent under.
struct EvidenceForm: Decodable {
    var `case`: String?
    var tlp: String?
    var kind: String?
    var minScore: String?
    var text: String?
    var explained: String?

    var filter: FindingsFilterForm { FindingsFilterForm(kind: kind, minScore: minScore, text: text, explained: explained) }
}

/// What the node found in the logs sent to it: findings with their reasons, and what to do with each.
struct DetectionPage: Page {
    static let template = "detection"

    struct Finding: PageModel {
        let id: String
        let kind: String
        let kindLabel: String
        let score: String
        let source: String
        let target: String
        let count: Int
        let firstSeen: String
        let lastSeen: String
        let tlpLabel: String
        let tlpClass: String
        let reasons: [String]
        let explanation: String?
        let indicator: String?
        /// The sighting it became, if it did.
        let sighting: String?
        let caseID: String?
        let caseTitle: String?
        let mayReportSighting: Bool
        /// The markings it may go into a case under: its own, preselected, or a stricter one.
        let tlps: [Option]
    }

    struct Run: PageModel {
        let logName: String
        let submittedBy: String
        let finishedAt: String
        let lines: String
        let badLines: String?
        let findings: Int
    }

    struct CaseChoice: PageModel {
        let id: String
        let title: String
    }

    let findings: [Finding]
    let hasFindings: Bool
    let runs: [Run]
    let hasRuns: Bool
    let kinds: [Option]
    let filter: FindingsFilterForm
    let showExplained: Bool
    let cases: [CaseChoice]
    let hasCases: Bool
    let notice: String?
    let error: String?
}
