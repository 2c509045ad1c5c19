import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import WebInterface

/// The capacity-building page: requests with suggested offers, offers, matches and their progress, and
/// the forms that add each.
struct CapacityBuildingWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("capacity") { _, context in try await self.capacityPage(context, error: nil) }
        web.post("capacity") { request, context in try await self.write(request, context) }
    }

    func capacityPage(
        _ context: NodeRequestContext,
        typed: CapacityForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let record = try await records.publicRecord()
        let me = records.identity.id
        let canWrite = context.principal?.role.canWrite ?? false
        let requests = record.requests.map { request in
            let matched = record.matches.contains { $0.request.id == request.id && $0.isActive }
            return CapacityPage.Request(
                id: request.id,
                by: request.author.rawValue,
                topic: request.body.topic.label,
                region: request.body.region.rawValue,
                languages: request.body.languages.joined(separator: ", "),
                format: request.body.format.rawValue,
                funding: request.body.funding.rawValue,
                description: request.body.description,
                matched: matched,
                suggestions: record.suggestions(for: request).map { suggestion in
                    CapacityPage.Suggestion(
                        offer: suggestion.offer.id,
                        by: suggestion.offer.author.rawValue,
                        fit: suggestion.fit,
                        description: suggestion.offer.body.description,
                        canMatch: canWrite && !matched && (request.author == me || suggestion.offer.author == me),
                        request: request.id
                    )
                }
            )
        }
        let offers = record.offers.map { offer in
            CapacityPage.Offer(
                by: offer.author.rawValue,
                topics: offer.body.topics.map(\.label).joined(separator: "; "),
                regions: offer.body.regions.map(\.rawValue).joined(separator: ", "),
                languages: offer.body.languages.joined(separator: ", "),
                formats: offer.body.formats.map(\.rawValue).joined(separator: ", "),
                funding: offer.body.funding.rawValue,
                description: offer.body.description
            )
        }
        let matches = record.matches.map { match in
            let next: [CapacityProgress.Status] =
                switch match.status {
                case .proposed: match.entry.author == me ? [.withdrawn] : [.agreed, .withdrawn]
                case .agreed: [.inProgress, .completed, .withdrawn]
                case .inProgress: [.completed, .withdrawn]
                case .completed, .withdrawn: []
                }
            return CapacityPage.Match(
                id: match.id,
                requester: match.request.author.rawValue,
                offerer: match.offer.author.rawValue,
                topic: match.request.body.topic.label,
                status: match.status.rawValue,
                history: match.history.map {
                    CapacityPage.Progress(status: $0.body.status.rawValue, by: $0.author.rawValue, at: displayWire($0.entry.at), note: $0.body.note)
                },
                next: canWrite && match.sides.contains(me) ? next.map { CapacityPage.Step(status: $0.rawValue, match: match.id) } : []
            )
        }
        let asked = typed?.ifKind(.capacityRequest)
        let offered = typed?.ifKind(.capacityOffer)
        func topics(_ selected: [String]) -> [Option] {
            CapacityTopic.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: selected.contains($0.rawValue)) }
        }
        let page = CapacityPage(
            requests: requests,
            offers: offers,
            matches: matches,
            hasRequests: !requests.isEmpty,
            hasOffers: !offers.isEmpty,
            hasMatches: !matches.isEmpty,
            requestTopics: topics(asked?.topic ?? []),
            requestRegions: Option.all(Region.self, selected: asked?.region ?? []),
            requestFormats: Option.all(DeliveryFormat.self, selected: asked?.format ?? []),
            requestFundings: Option.all(Funding.self, selected: [asked?.funding].compactMap { $0 }),
            offerTopics: topics(offered?.topic ?? []),
            offerRegions: Option.all(Region.self, selected: offered?.region ?? []),
            offerFormats: Option.all(DeliveryFormat.self, selected: offered?.format ?? []),
            offerFundings: Option.all(Funding.self, selected: [offered?.funding].compactMap { $0 }),
            asked: asked,
            offered: offered,
            error: error
        )
        return render(page, context, status: status)
    }

    func write(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await writePublicEntry(request, context, records: records, returningTo: "/capacity") { (kind, form: CapacityForm) in
            switch kind {
            case .capacityRequest:
                try CapacityRequest(
                    topic: try parse(CapacityTopic.self, form.topic?.first ?? "", "topic"),
                    region: try parse(Region.self, form.region?.first ?? "", "region"),
                    languages: commaSeparated(form.languages),
                    format: try parse(DeliveryFormat.self, form.format?.first ?? "", "format"),
                    funding: try parse(Funding.self, form.funding ?? "", "funding"),
                    description: form.description ?? ""
                ).json
            case .capacityOffer:
                try CapacityOffer(
                    topics: try (form.topic ?? []).map { try parse(CapacityTopic.self, $0, "topic") },
                    regions: try (form.region ?? []).map { try parse(Region.self, $0, "region") },
                    languages: commaSeparated(form.languages),
                    formats: try (form.format ?? []).map { try parse(DeliveryFormat.self, $0, "format") },
                    funding: try parse(Funding.self, form.funding ?? "", "funding"),
                    description: form.description ?? ""
                ).json
            case .capacityMatch: try CapacityMatch(request: form.request ?? "", offer: form.offer ?? "").json
            case .capacityProgress:
                try CapacityProgress(
                    match: form.match ?? "",
                    status: try parse(CapacityProgress.Status.self, form.status ?? "", "status"),
                    note: form.note ?? ""
                ).json
            default: throw ServiceFailure.invalid("\(kind.rawValue) has its own page")
            }
        } page: { typed, error in
            try await capacityPage(context, typed: typed, error: error, status: .unprocessableContent)
        }
    }
}
