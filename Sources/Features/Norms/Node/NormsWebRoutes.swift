import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import WebInterface

/// The norms page: the matrix of commitments and alleged breaches, and the forms that record a commitment,
/// link an allegation to a case and add a regional or bilateral norm.
struct NormsWebRoutes: WebPage {
    let records: RecordService
    let cases: CaseService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("norms") { _, context in try await self.normsPage(context, error: nil) }
        web.post("norms") { request, context in try await self.write(request, context) }
    }

    func normsPage(
        _ context: NodeRequestContext,
        typed: NormsForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let record = try await records.publicRecord()
        let matrix = NormsMatrix(record: record, participants: await records.participants())
        let rows = matrix.participants.map { participant in
            NormsPage.Row(
                participant: participant.rawValue,
                cells: matrix.norms.map { norm in
                    let cell = matrix.cell(participant, norm.code)
                    return NormsPage.Cell(
                        committed: cell.commitment != nil,
                        title: cell.commitment.map { "\($0.body.document), \($0.body.date)" } ?? "",
                        breaches: cell.allegations.isEmpty ? nil : cell.allegations.count,
                        cases: cell.allegations.map { NormsPage.Allegation.Link(case: $0.body.caseReference, by: $0.author.rawValue) }
                    )
                }
            )
        }
        let allegations = record.allegations.map { item in
            NormsPage.Allegation(
                norm: item.body.norm,
                title: record.norm(item.body.norm)?.title ?? "",
                case: item.body.caseReference,
                by: item.author.rawValue,
                against: item.body.against,
                note: item.body.note,
                at: displayWire(item.entry.at)
            )
        }
        let committing = typed?.ifKind(.commitment)
        let alleging = typed?.ifKind(.allegation)
        let defining = typed?.ifKind(.norm)
        func normChoices(_ selected: String?) -> [Option] {
            matrix.norms.map { Option(value: $0.code, label: "\($0.code) — \($0.title)", selected: $0.code == selected) }
        }
        let caseChoices = try await cases.cases(limit: 200).map { Option(value: $0.id, label: $0.title, selected: $0.id == alleging?.case) }
        let page = NormsPage(
            allegations: allegations,
            hasAllegations: !allegations.isEmpty,
            norms: matrix.norms.map { NormsPage.Norm(code: $0.code, title: $0.title, text: $0.text, source: $0.source, scope: $0.scope.rawValue) },
            rows: rows,
            commitNorms: normChoices(committing?.norm),
            allegeNorms: normChoices(alleging?.norm),
            cases: caseChoices,
            hasCases: !caseChoices.isEmpty,
            scopes: [Norm.Scope.regional, .bilateral].map { Option(value: $0.rawValue, selected: $0.rawValue == defining?.scope) },
            today: String(Timestamp.format(Date()).prefix(10)),
            committing: committing,
            alleging: alleging,
            defining: defining,
            error: error
        )
        return render(page, context, status: status)
    }

    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await writePublicEntry(request, context, records: records, returningTo: "/norms") { (kind, form: NormsForm) in
            switch kind {
            case .commitment: try Commitment(norm: form.norm ?? "", date: form.date ?? "", document: form.document ?? "").json
            case .allegation:
                try Allegation(norm: form.norm ?? "", caseReference: form.case ?? "", against: form.against ?? "", note: form.note ?? "").json
            case .norm:
                try NormDefinition(
                    code: form.code ?? "",
                    title: form.title ?? "",
                    text: form.text ?? "",
                    source: form.source ?? "",
                    scope: try parse(Norm.Scope.self, form.scope ?? "", "scope")
                ).json
            default: throw ServiceFailure.invalid("\(kind.rawValue) has its own page")
            }
        } page: { typed, error in
            try await normsPage(context, typed: typed, error: error, status: .unprocessableContent)
        }
    }
}
