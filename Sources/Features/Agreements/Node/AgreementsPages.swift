import WebInterface

/// The agreement forms, as posted: proposing one (`kind` agreement) or signing one (`agreement-signature`).
struct AgreementForm: RecordEntryForm {
    var kind: String?
    var agreement: String?
    var title: String?
    var text: String?
    var party: [String]?
    /// Minutes to acknowledge, by priority (`acknowledgeMinutes[flash]`).
    var acknowledgeMinutes: [String: String]?
    var notifyHours: String?
}

/// Each agreement's text, parties, signatures and obligations, and the forms that propose and sign one.
struct AgreementsPage: Page {
    static let template = "agreements"

    struct Agreement: PageModel {
        let id: String
        let title: String
        let text: String
        let parties: String
        let signedBy: String
        let inForce: Bool
        let since: String
        let digest: String
        let obligations: [Obligation]
        let canSign: Bool
    }

    struct Obligation: PageModel {
        let text: String
        let description: String?
    }

    let agreements: [Agreement]
    let hasAgreements: Bool
    let participants: [Option]
    /// A refused proposal, as typed.
    let typed: AgreementForm?
    let error: String?
}
