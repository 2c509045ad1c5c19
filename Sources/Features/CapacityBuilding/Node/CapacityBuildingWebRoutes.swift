import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral

/// The capacity-building page: requests with suggested offers, offers, matches and their progress, and
/// the forms that add each.
struct CapacityBuildingWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("capacity") { _, context in try await self.capacityPage(context, error: nil) }
        web.post("capacity") { request, context in try await self.write(request, context) }
    }

    func capacityPage(_ context: NodeRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await records.publicRecord()
        let me = records.identity.id
        let canWrite = context.principal?.role.canWrite ?? false
        let requests = record.requests.map { request -> [String: Any] in
            let matched = record.matches.contains { $0.request.id == request.id && $0.isActive }
            return [
                "id": request.id, "by": request.author.rawValue, "topic": request.body.topic.label, "region": request.body.region.rawValue,
                "languages": request.body.languages.joined(separator: ", "), "format": request.body.format.rawValue,
                "funding": request.body.funding.rawValue, "description": request.body.description, "matched": matched,
                "suggestions": record.suggestions(for: request).map { suggestion -> [String: Any] in
                    [
                        "offer": suggestion.offer.id, "by": suggestion.offer.author.rawValue, "fit": suggestion.fit,
                        "description": suggestion.offer.body.description,
                        "canMatch": canWrite && !matched && (request.author == me || suggestion.offer.author == me), "request": request.id,
                        "csrf": csrf(context),
                    ]
                },
            ]
        }
        let offers = record.offers.map { offer -> [String: Any] in
            [
                "by": offer.author.rawValue, "topics": offer.body.topics.map(\.label).joined(separator: "; "),
                "regions": offer.body.regions.map(\.rawValue).joined(separator: ", "),
                "languages": offer.body.languages.joined(separator: ", "), "formats": offer.body.formats.map(\.rawValue).joined(separator: ", "),
                "funding": offer.body.funding.rawValue, "description": offer.body.description,
            ]
        }
        let matches = record.matches.map { match -> [String: Any] in
            let next: [CapacityProgress.Status] =
                switch match.status {
                case .proposed: match.entry.author == me ? [.withdrawn] : [.agreed, .withdrawn]
                case .agreed: [.inProgress, .completed, .withdrawn]
                case .inProgress: [.completed, .withdrawn]
                case .completed, .withdrawn: []
                }
            return [
                "id": match.id, "requester": match.request.author.rawValue, "offerer": match.offer.author.rawValue,
                "topic": match.request.body.topic.label, "status": match.status.rawValue,
                "history": match.history.map {
                    ["status": $0.body.status.rawValue, "by": $0.author.rawValue, "at": displayWire($0.entry.at), "note": $0.body.note]
                },
                "next": canWrite && match.sides.contains(me) ? next.map { ["status": $0.rawValue, "match": match.id, "csrf": csrf(context)] } : [],
            ]
        }
        return page(
            "capacity",
            context,
            [
                "requests": requests, "offers": offers, "matches": matches, "hasRequests": !requests.isEmpty, "hasOffers": !offers.isEmpty,
                "hasMatches": !matches.isEmpty,
                "topics": CapacityTopic.allCases.map { ["value": $0.rawValue, "label": $0.label] }, "regions": Region.allCases.map(\.rawValue),
                "formats": DeliveryFormat.allCases.map(\.rawValue), "fundings": Funding.allCases.map(\.rawValue),
            ],
            error: error,
            status: status
        )
    }

    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await writePublicEntry(request, context, records: records, returningTo: "/capacity") { kind, form in
            switch kind {
            case .capacityRequest:
                try CapacityRequest(
                    topic: try parse(CapacityTopic.self, form["topic"] ?? "", "topic"),
                    region: try parse(Region.self, form["region"] ?? "", "region"),
                    languages: form.list("languages"),
                    format: try parse(DeliveryFormat.self, form["format"] ?? "", "format"),
                    funding: try parse(Funding.self, form["funding"] ?? "", "funding"),
                    description: form["description"] ?? ""
                ).json
            case .capacityOffer:
                try CapacityOffer(
                    topics: try form.all("topic").map { try parse(CapacityTopic.self, $0, "topic") },
                    regions: try form.all("region").map { try parse(Region.self, $0, "region") },
                    languages: form.list("languages"),
                    formats: try form.all("format").map { try parse(DeliveryFormat.self, $0, "format") },
                    funding: try parse(Funding.self, form["funding"] ?? "", "funding"),
                    description: form["description"] ?? ""
                ).json
            case .capacityMatch: try CapacityMatch(request: form["request"] ?? "", offer: form["offer"] ?? "").json
            case .capacityProgress:
                try CapacityProgress(
                    match: form["match"] ?? "",
                    status: try parse(CapacityProgress.Status.self, form["status"] ?? "", "status"),
                    note: form["note"] ?? ""
                ).json
            default: throw ServiceFailure.invalid("\(kind.rawValue) has its own page")
            }
        } page: { error in
            try await capacityPage(context, error: error, status: .unprocessableContent)
        }
    }
}
