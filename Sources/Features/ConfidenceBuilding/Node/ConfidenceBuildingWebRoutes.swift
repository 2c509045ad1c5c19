import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import WebInterface

/// The measures page: the matrix of statuses, the communication checks, and the form that reports a status.
struct ConfidenceBuildingWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("cbms") { _, context in try await self.measuresPage(context, error: nil) }
        web.post("cbms") { request, context in try await self.write(request, context) }
    }

    func measuresPage(
        _ context: NodeRequestContext,
        typed: MeasureStatusForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let record = try await records.publicRecord()
        let participants = await records.participants()
        let checks = CheckReport(checks: try await records.store.communicationChecks(limit: 1000))
        let rows = MeasureCatalogue.shipped.map { measure in
            MeasuresPage.Row(
                number: measure.number,
                title: measure.title,
                isPOC: measure.number == MeasureCatalogue.pointsOfContact,
                cells: participants.map { participant in
                    let status = record.status(of: participant, measure: measure.number)
                    return MeasuresPage.Cell(status: status?.body.status.rawValue ?? "—", evidence: status?.body.evidence ?? "")
                }
            )
        }
        let page = MeasuresPage(
            participants: participants.map(\.rawValue),
            rows: rows,
            measures: MeasureCatalogue.shipped.map {
                Option(value: String($0.number), label: "\($0.number). \($0.title)", selected: String($0.number) == typed?.measure)
            },
            statuses: Option.all(MeasureStatus.Status.self, selected: [typed?.status].compactMap { $0 }),
            checks: checks.participants.map {
                MeasuresPage.Check(
                    peer: $0.peer,
                    checks: $0.checks,
                    reached: $0.reached,
                    answered: $0.answered,
                    median: describe($0.medianTimeToAnswer)
                )
            },
            hasChecks: !checks.participants.isEmpty,
            typed: typed,
            error: error
        )
        return render(page, context, status: status)
    }

    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await writePublicEntry(request, context, records: records, returningTo: "/cbms") { (kind, form: MeasureStatusForm) in
            guard kind == .cbmStatus else { throw ServiceFailure.invalid("\(kind.rawValue) has its own page") }
            return try MeasureStatus(
                measure: Int(form.measure ?? "") ?? 0,
                status: try parse(MeasureStatus.Status.self, form.status ?? "", "status"),
                evidence: form.evidence ?? ""
            ).json
        } page: { typed, error in
            try await measuresPage(context, typed: typed, error: error, status: .unprocessableContent)
        }
    }
}
