import WebInterface

/// Every form of the norms page, as posted: `kind` says which.
struct NormsForm: PublicEntryForm {
    var kind: String?
    var norm: String?
    var date: String?
    var document: String?
    var `case`: String?
    var against: String?
    var note: String?
    var code: String?
    var title: String?
    var text: String?
    var source: String?
    var scope: String?
}

/// The matrix of commitments and alleged breaches, the catalogue, and the forms that add to them.
struct NormsPage: Page {
    static let template = "norms"

    struct Row: PageModel {
        let participant: String
        let cells: [Cell]
    }

    struct Cell: PageModel {
        let committed: Bool
        /// The committing document and its date.
        let title: String
        let breaches: Int?
        let cases: [Allegation.Link]
    }

    struct Allegation: PageModel {
        /// A case alleging a breach, and who alleged it.
        struct Link: PageModel {
            let `case`: String
            let by: String
        }

        let norm: String
        let title: String
        let `case`: String
        let by: String
        let against: String
        let note: String
        let at: String
    }

    struct Norm: PageModel {
        let code: String
        let title: String
        let text: String
        let source: String
        let scope: String
    }

    let allegations: [Allegation]
    let hasAllegations: Bool
    let norms: [Norm]
    let rows: [Row]
    let commitNorms: [Option]
    let allegeNorms: [Option]
    let cases: [Option]
    let hasCases: Bool
    let scopes: [Option]
    let today: String
    /// A refused commitment, allegation or norm, as typed.
    let committing: NormsForm?
    let alleging: NormsForm?
    let defining: NormsForm?
    let error: String?
}
