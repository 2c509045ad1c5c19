import WebInterface

/// Reachability and answer times per peer and per day, and the button that checks every peer now.
struct ChecksPage: Page {
    static let template = "checks"

    /// One peer's checks, over all time or on one day (`day`).
    struct Summary: PageModel {
        let peer: String
        let day: String?
        let checks: Int
        let reached: Int
        let answered: Int
        let reachability: String
        let roundTrip: String
        let timeToAnswer: String
        let lastCheckAt: String
    }

    struct Check: PageModel {
        let id: String
        let peer: String
        let sentAt: String
        let roundTrip: String
        let timeToAnswer: String
    }

    let participants: [Summary]
    let days: [Summary]
    let checks: [Check]
    let notice: String?
}
