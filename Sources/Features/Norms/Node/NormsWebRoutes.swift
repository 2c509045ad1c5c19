import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral

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

    func normsPage(_ context: NodeRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await records.publicRecord()
        let matrix = NormsMatrix(record: record, participants: await records.participants())
        let rows = matrix.participants.map { participant -> [String: Any] in
            [
                "participant": participant.rawValue,
                "cells": matrix.norms.map { norm -> [String: Any] in
                    let cell = matrix.cell(participant, norm.code)
                    return [
                        "committed": cell.commitment != nil, "title": cell.commitment.map { "\($0.body.document), \($0.body.date)" } ?? "",
                        "breaches": cell.allegations.isEmpty ? false : cell.allegations.count,
                        "cases": cell.allegations.map { ["case": $0.body.caseReference, "by": $0.author.rawValue] },
                    ]
                },
            ]
        }
        let caseOptions = try await cases.cases(limit: 200).map { ["id": $0.id, "title": $0.title] }
        let allegations = record.allegations.map { item -> [String: Any] in
            [
                "norm": item.body.norm, "title": record.norm(item.body.norm)?.title ?? "", "case": item.body.caseReference,
                "by": item.author.rawValue,
                "against": item.body.against, "note": item.body.note, "at": displayWire(item.entry.at),
            ]
        }
        return page(
            "norms",
            context,
            [
                "allegations": allegations, "hasAllegations": !allegations.isEmpty,
                "norms": matrix.norms.map { ["code": $0.code, "title": $0.title, "text": $0.text, "source": $0.source, "scope": $0.scope.rawValue] },
                "rows": rows, "cases": caseOptions, "hasCases": !caseOptions.isEmpty,
                "scopes": [Norm.Scope.regional.rawValue, Norm.Scope.bilateral.rawValue],
                "today": String(Timestamp.format(Date()).prefix(10)),
            ],
            error: error,
            status: status
        )
    }

    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await writePublicEntry(request, context, records: records, returningTo: "/norms") { kind, form in
            switch kind {
            case .commitment: try Commitment(norm: form["norm"] ?? "", date: form["date"] ?? "", document: form["document"] ?? "").json
            case .allegation:
                try Allegation(
                    norm: form["norm"] ?? "",
                    caseReference: form["case"] ?? "",
                    against: form["against"] ?? "",
                    note: form["note"] ?? ""
                ).json
            case .norm:
                try NormDefinition(
                    code: form["code"] ?? "",
                    title: form["title"] ?? "",
                    text: form["text"] ?? "",
                    source: form["source"] ?? "",
                    scope: try parse(Norm.Scope.self, form["scope"] ?? "", "scope")
                ).json
            default: throw ServiceFailure.invalid("\(kind.rawValue) has its own page")
            }
        } page: { error in
            try await normsPage(context, error: error, status: .unprocessableContent)
        }
    }
}
