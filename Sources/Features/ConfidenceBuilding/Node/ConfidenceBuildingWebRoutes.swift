import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral

/// The measures page: the matrix of statuses, the communication checks, and the form that reports a status.
struct ConfidenceBuildingWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("cbms") { _, context in try await self.measuresPage(context, error: nil) }
        web.post("cbms") { request, context in try await self.write(request, context) }
    }

    func measuresPage(_ context: NodeRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await records.publicRecord()
        let participants = await records.participants()
        let checks = CheckReport(checks: try await records.store.communicationChecks(limit: 1000))
        let rows = MeasureCatalogue.shipped.map { measure -> [String: Any] in
            [
                "number": measure.number, "title": measure.title, "decision": measure.decision,
                "isPOC": measure.number == MeasureCatalogue.pointsOfContact,
                "cells": participants.map { participant -> [String: Any] in
                    let status = record.status(of: participant, measure: measure.number)
                    return ["status": status?.body.status.rawValue ?? "—", "evidence": status?.body.evidence ?? ""]
                },
            ]
        }
        return page(
            "cbms",
            context,
            [
                "participants": participants.map(\.rawValue), "rows": rows,
                "measures": MeasureCatalogue.shipped.map { ["number": $0.number, "title": $0.title] },
                "statuses": MeasureStatus.Status.allCases.map(\.rawValue),
                "checks": checks.participants.map {
                    [
                        "peer": $0.peer, "checks": $0.checks, "reached": $0.reached, "answered": $0.answered,
                        "median": describe($0.medianTimeToAnswer),
                    ]
                },
                "hasChecks": !checks.participants.isEmpty,
            ],
            error: error,
            status: status
        )
    }

    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await writePublicEntry(request, context, records: records, returningTo: "/cbms") { kind, form in
            guard kind == .cbmStatus else { throw ServiceFailure.invalid("\(kind.rawValue) has its own page") }
            return try MeasureStatus(
                measure: Int(form["measure"] ?? "") ?? 0,
                status: try parse(MeasureStatus.Status.self, form["status"] ?? "", "status"),
                evidence: form["evidence"] ?? ""
            ).json
        } page: { error in
            try await measuresPage(context, error: error, status: .unprocessableContent)
        }
    }
}
