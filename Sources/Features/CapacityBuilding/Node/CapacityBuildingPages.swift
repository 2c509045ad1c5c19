import WebInterface

/// Every form of the capacity-building page, as posted. Topics, regions and formats are lists (`topic[]`):
/// an offer ticks several, a request chooses one.
struct CapacityForm: PublicEntryForm {
    var kind: String?
    var topic: [String]?
    var region: [String]?
    var languages: String?
    var format: [String]?
    var funding: String?
    var description: String?
    var request: String?
    var offer: String?
    var match: String?
    var status: String?
    var note: String?
}

/// Requests with suggested offers, offers, matches and their progress, and the forms that add each.
struct CapacityPage: Page {
    static let template = "capacity"

    struct Request: PageModel {
        let id: String
        let by: String
        let topic: String
        let region: String
        let languages: String
        let format: String
        let funding: String
        let description: String
        let matched: Bool
        let suggestions: [Suggestion]
    }

    /// An offer that fits a request, with how well (the number of criteria it meets).
    struct Suggestion: PageModel {
        let offer: String
        let by: String
        let fit: Int
        let description: String
        let canMatch: Bool
        let request: String
    }

    struct Offer: PageModel {
        let by: String
        let topics: String
        let regions: String
        let languages: String
        let formats: String
        let funding: String
        let description: String
    }

    struct Match: PageModel {
        let id: String
        let requester: String
        let offerer: String
        let topic: String
        let status: String
        let history: [Progress]
        let next: [Step]
    }

    struct Progress: PageModel {
        let status: String
        let by: String
        let at: String
        let note: String
    }

    /// A status this node may move a match to next.
    struct Step: PageModel {
        let status: String
        let match: String
    }

    let requests: [Request]
    let offers: [Offer]
    let matches: [Match]
    let hasRequests: Bool
    let hasOffers: Bool
    let hasMatches: Bool
    let requestTopics: [Option]
    let requestRegions: [Option]
    let requestFormats: [Option]
    let requestFundings: [Option]
    let offerTopics: [Option]
    let offerRegions: [Option]
    let offerFormats: [Option]
    let offerFundings: [Option]
    /// A refused request or offer, as typed.
    let asked: CapacityForm?
    let offered: CapacityForm?
    let error: String?
}
