import WebInterface

/// This node and every pinned peer with fingerprints and points of contact, and the refused key changes.
struct DirectoryPage: Page {
    static let template = "directory"

    struct Participant: PageModel {
        let id: String
        let name: String
        let kind: String
        let endpoint: String
        let fingerprint: String
        let isSelf: Bool
        let pinnedAt: String?
        let pointsOfContact: [Contact]
    }

    struct Contact: PageModel {
        let role: String
        let name: String
        let email: String
        let phone: String?
        let languages: String
        let timeZone: String
        let availability: String
    }

    /// A key change this node refused: offered keys its pinned key did not sign.
    struct Alert: PageModel {
        let raisedAt: String
        let peer: String
        let detail: String
        let offeredFingerprint: String
    }

    let participants: [Participant]
    let alerts: [Alert]
    let hasAlerts: Bool
}
