import Cases
import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Multilateral

/// The pages of the multilateral record beside forums: agreements, norms, confidence-building
/// measures, capacity building and drills. Each page lists what the record holds and carries
/// the forms that add to it; a refused form re-renders the page with the reason.
extension WebRoutes {
    func registerRecord(on web: RouterGroup<NodeRequestContext>) {
        registerForums(on: web)
        web.get("agreements") { _, context in try await self.agreementsPage(context, error: nil) }
        web.post("agreements") { request, context in try await self.writeAgreement(request, context) }
        web.get("norms") { _, context in try await self.normsPage(context, error: nil) }
        web.get("cbms") { _, context in try await self.measuresPage(context, error: nil) }
        web.get("capacity") { _, context in try await self.capacityPage(context, error: nil) }
        web.post("record") { request, context in try await self.writePublicEntry(request, context) }
        web.get("drills") { _, context in try await self.drillsPage(context, error: nil) }
        web.post("drills") { request, context in try await self.createDrill(request, context) }
        web.get("drills/:drill") { _, context in try await self.drillPage(context) }
    }

    private func page(_ name: String, _ context: NodeRequestContext, _ values: [String: Any], error: String?, status: HTTPResponse.Status) -> Response
    {
        html(
            pages.render(
                name,
                base(context).merging(
                    values.merging([
                        "csrf": csrf(context), "canWrite": context.principal?.role.canWrite ?? false, "error": present(error),
                    ]) { $1 }
                ) { $1 }
            ),
            status: status
        )
    }

    // MARK: Agreements

    func agreementsPage(_ context: NodeRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let me = records.identity.id
        let agreements = try await records.agreements().map { state -> [String: Any] in
            let agreement = state.agreement!
            return [
                "id": state.id, "title": agreement.title, "text": agreement.text, "parties": state.parties.map(\.rawValue).joined(separator: ", "),
                "signedBy": state.signedBy.map(\.rawValue).joined(separator: ", "), "inForce": state.isInForce,
                "since": state.inForceSince.map(displayWire) ?? "", "digest": state.digest ?? "",
                "obligations": agreement.obligations.map { obligation in
                    [
                        "text":
                            "\(obligation.kind == .acknowledge ? "Acknowledge \(obligation.priority?.rawValue ?? "") messages" : "Notify incidents affecting the other's critical infrastructure") within \(Self.duration(obligation.withinSeconds))",
                        "description": present(nonEmpty(obligation.description)),
                    ]
                },
                "canSign": (context.principal?.role.canWrite ?? false)
                    && records.speaking.allows(.recordEntry(.agreementSignature), role: context.principal?.role)
                    && state.unsignedBy.contains(me),
            ]
        }
        return page(
            "agreements",
            context,
            [
                "agreements": agreements, "hasAgreements": !agreements.isEmpty,
                "participants": await records.participants().filter { $0 != me }.map { ["id": $0.rawValue] },
            ],
            error: error,
            status: status
        )
    }

    func writeAgreement(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        try requireWrite(form, context)
        do {
            if form["kind"] == RecordKind.agreementSignature.rawValue {
                try await records.signAgreement(form["agreement"] ?? "", by: person(context))
            } else {
                var obligations: [Obligation] = []
                for priority in Priority.allCases {
                    guard let minutes = Int(form["ack-\(priority.rawValue)"] ?? "") else { continue }
                    obligations.append(Obligation(kind: .acknowledge, priority: priority, withinSeconds: minutes * 60, description: ""))
                }
                if let hours = Int(form["notify-hours"] ?? "") {
                    obligations.append(Obligation(kind: .notifyIncident, withinSeconds: hours * 3600, description: ""))
                }
                let parties = [records.identity.id] + form.all("party").compactMap(ParticipantID.init)
                let text = AgreementText(title: form["title"] ?? "", text: form["text"] ?? "", parties: parties, obligations: obligations)
                let entry = try await records.write(.agreement, body: try text.json, in: nil, by: person(context))
                try await records.signAgreement(entry.id, by: person(context))
            }
            return redirect("/agreements")
        } catch let failure as ServiceFailure {
            return try await agreementsPage(context, error: failure.description, status: .unprocessableContent)
        }
    }

    static func duration(_ seconds: Int) -> String {
        seconds % 3600 == 0 ? "\(seconds / 3600) h" : seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
    }

    // MARK: Norms

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

    // MARK: Confidence-building measures

    func measuresPage(_ context: NodeRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await records.publicRecord()
        let participants = await records.participants()
        let checks = CheckReport(checks: try await service.store.communicationChecks(limit: 1000))
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

    // MARK: Capacity building

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

    // MARK: Public entries from the norms, CBM and capacity pages

    /// One public entry, by the form's `kind`; returns to the page the form came from.
    func writePublicEntry(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        try requireWrite(form, context)
        let kind = RecordKind(rawValue: form["kind"] ?? "")
        let pagePath: String =
            switch kind {
            case .cbmStatus: "/cbms"
            case .capacityRequest, .capacityOffer, .capacityMatch, .capacityProgress: "/capacity"
            default: "/norms"
            }
        do {
            guard let kind else { throw ServiceFailure.invalid("unknown form") }
            let lines = { (name: String) in
                (form[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let body: JSONValue =
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
                case .cbmStatus:
                    try MeasureStatus(
                        measure: Int(form["measure"] ?? "") ?? 0,
                        status: try parse(MeasureStatus.Status.self, form["status"] ?? "", "status"),
                        evidence: form["evidence"] ?? ""
                    ).json
                case .capacityRequest:
                    try CapacityRequest(
                        topic: try parse(CapacityTopic.self, form["topic"] ?? "", "topic"),
                        region: try parse(Region.self, form["region"] ?? "", "region"),
                        languages: lines("languages"),
                        format: try parse(DeliveryFormat.self, form["format"] ?? "", "format"),
                        funding: try parse(Funding.self, form["funding"] ?? "", "funding"),
                        description: form["description"] ?? ""
                    ).json
                case .capacityOffer:
                    try CapacityOffer(
                        topics: try form.all("topic").map { try parse(CapacityTopic.self, $0, "topic") },
                        regions: try form.all("region").map { try parse(Region.self, $0, "region") },
                        languages: lines("languages"),
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
            try await records.write(kind, body: body, in: .publicRecord, by: person(context))
            return redirect(pagePath)
        } catch let failure as ServiceFailure {
            return try await publicPage(pagePath, context, error: failure.description)
        } catch let error as DocumentError {
            return try await publicPage(pagePath, context, error: error.description)
        }
    }

    private func publicPage(_ path: String, _ context: NodeRequestContext, error: String) async throws -> Response {
        switch path {
        case "/cbms": try await measuresPage(context, error: error, status: .unprocessableContent)
        case "/capacity": try await capacityPage(context, error: error, status: .unprocessableContent)
        default: try await normsPage(context, error: error, status: .unprocessableContent)
        }
    }

    // MARK: Drills

    func drillsPage(_ context: NodeRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let drills = try await drills.drills().map { drill -> [String: Any] in
            [
                "id": drill.id, "name": drill.scenario.name, "startAt": display(drill.startAt), "injects": drill.scenario.injects.count,
                "participants": drill.scenario.participants.map(\.rawValue).joined(separator: ", "), "sent": drill.report.sent,
                "deliveries": drill.report.deliveries.count, "answered": drill.report.answered,
            ]
        }
        let peers = await records.participants().filter { $0 != records.identity.id }
        return page(
            "drills",
            context,
            [
                "drills": drills, "hasDrills": !drills.isEmpty, "peers": peers.map(\.rawValue).joined(separator: ", "),
                "example":
                    "0 | \(peers.prefix(2).map(\.rawValue).joined(separator: ", ")) | urgent | Exercise: ransomware at a power utility | Acknowledge and state your desk's first action.",
            ],
            error: error,
            status: status
        )
    }

    /// A scenario from the form: one inject per line, `offset seconds | recipients | priority | subject | body`.
    func createDrill(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        try requireWrite(form, context)
        do {
            let injects = try (form["injects"] ?? "").split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                .map { line in
                    let parts = line.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    guard parts.count >= 4, let offset = Int(parts[0]) else {
                        throw ServiceFailure.invalid("write each inject as: offset seconds | recipients | priority | subject | body — not “\(line)”")
                    }
                    return DrillScenario.Inject(
                        offsetSeconds: offset,
                        to: parts[1].split(separator: ",").compactMap { ParticipantID($0.trimmingCharacters(in: .whitespaces)) },
                        priority: try parse(Priority.self, parts[2], "priority"),
                        subject: parts[3],
                        body: parts.count > 4 ? parts[4] : ""
                    )
                }
            let minutes = Int(form["startInMinutes"] ?? "0") ?? -1
            let id = try await drills.create(
                DrillScenario(name: form["name"] ?? "", injects: injects),
                startIn: .seconds(minutes * 60),
                createdBy: context.principal?.name
            )
            return redirect("/drills/\(id)")
        } catch let failure as ServiceFailure {
            return try await drillsPage(context, error: failure.description, status: .unprocessableContent)
        }
    }

    func drillPage(_ context: NodeRequestContext) async throws -> Response {
        let id = try recordID(context, "drill")
        let drill: DrillService.Drill
        do { drill = try await drills.drill(id) } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No such drill", failure.description)
        }
        func seconds(_ milliseconds: Int64?) -> String { milliseconds.map { String(format: "%.1f s", Double($0) / 1000) } ?? "—" }
        let rows = drill.report.deliveries.map { delivery -> [String: Any] in
            [
                "inject": delivery.inject, "recipient": delivery.recipient.rawValue, "subject": delivery.subject,
                "due": display(Date(unixMilliseconds: delivery.dueAt)),
                "sent": delivery.sentAt.map { display(Date(unixMilliseconds: $0)) } ?? "pending",
                "message": present(delivery.messageID), "response": seconds(delivery.responseMilliseconds),
                "late": delivery.answeredInTime == false, "unanswered": delivery.sentAt != nil && delivery.acknowledgedAt == nil,
            ]
        }
        return page(
            "drill",
            context,
            [
                "drill": [
                    "id": drill.id, "name": drill.scenario.name, "startAt": display(drill.startAt), "sent": drill.report.sent,
                    "deliveries": drill.report.deliveries.count, "answered": drill.report.answered,
                ] as [String: Any],
                "rows": rows, "refreshSeconds": drill.report.sent < drill.report.deliveries.count ? 10 : false,
                "participants": drill.report.participants.map { summary -> [String: Any] in
                    [
                        "participant": summary.participant.rawValue, "injects": summary.injects, "answered": summary.answered,
                        "inTime": summary.answeredInTime,
                        "median": seconds(summary.medianResponseMilliseconds), "slowest": seconds(summary.slowestResponseMilliseconds),
                    ]
                },
            ],
            error: nil,
            status: .ok
        )
    }
}
