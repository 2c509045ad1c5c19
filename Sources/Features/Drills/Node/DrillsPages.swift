import WebInterface

/// The drill form, as posted.
struct DrillForm: Decodable, PageModel {
    var name: String?
    var startInMinutes: String?
    var injects: String?
}

/// Every drill with its progress, and the form that scripts a new one.
struct DrillsPage: Page {
    static let template = "drills"

    struct Row: PageModel {
        let id: String
        let name: String
        let startAt: String
        let injects: Int
        let participants: String
        let sent: Int
        let deliveries: Int
        let answered: Int
    }

    let drills: [Row]
    let hasDrills: Bool
    let peers: String
    /// An inject line to show how one is written.
    let example: String
    let typed: DrillForm?
    let error: String?
}

/// A drill's after-action report.
struct DrillPage: Page {
    static let template = "drill"

    struct Drill: PageModel {
        let id: String
        let name: String
        let startAt: String
        let sent: Int
        let deliveries: Int
        let answered: Int
    }

    struct Delivery: PageModel {
        let inject: Int
        let recipient: String
        let subject: String
        let due: String
        let sent: String
        /// The hotline message that carried the inject, once sent.
        let message: String?
        let response: String
        let late: Bool
        let unanswered: Bool
    }

    struct Participant: PageModel {
        let participant: String
        let injects: Int
        let answered: Int
        let inTime: Int
        let median: String
        let slowest: String
    }

    let drill: Drill
    let rows: [Delivery]
    /// While injects are still to go out, the page refreshes itself.
    let refreshSeconds: Int?
    let participants: [Participant]
}
