import Cases
import EntenteProtocol
import Foundation
import Hummingbird
import Storage
import WebInterface

/// The case pages of the web interface: the list with an opening form, and one
/// page per case with its timeline under the five steps and the next possible actions.
struct CaseWebRoutes: WebPage {
    let cases: CaseService
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("cases") { _, context in try await self.caseList(context, error: nil) }
        web.post("cases") { request, context in try await self.openCase(request, context) }
        web.get("cases/:case") { _, context in try await self.casePage(try self.caseID(context), context, error: nil) }
        web.post("cases/:case/events") { request, context in try await self.recordCaseEvent(request, context) }
        web.get("cases/:case/statements/:statement") { _, context in try await self.downloadStatement(context) }
    }

    func caseID(_ context: NodeRequestContext) throws -> String {
        guard let id = context.parameters.get("case"), UUIDv7.isValid(id) else {
            throw WebError(status: .notFound, heading: "No such case", message: "That is not a case id.")
        }
        return id
    }

    func caseList(
        _ context: NodeRequestContext,
        typed: OpenCaseForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let now = Date()
        let role = context.principal?.role ?? .observer
        let rows = try await cases.cases(limit: 500).map { state in
            let due = state.dueItems
            let overdue = due.filter { $0.isOverdue(atMilliseconds: now.unixMilliseconds) }.count
            return CaseListPage.Row(
                id: state.id,
                title: role.mayRead(state.tlp) ? state.title : CaseReading.withheldTitle,
                stage: state.stage?.label ?? "Waiting for its report",
                owner: state.owner?.rawValue ?? "?",
                participants: state.participants.map(\.rawValue).joined(separator: ", "),
                open: due.count,
                overdue: overdue == 0 ? nil : overdue,
                exercise: state.exercise,
                tlpLabel: state.tlp.label,
                tlpClass: tlpClass(state.tlp)
            )
        }
        let escalations = try await cases.store.escalations(limit: 20).map(escalation)
        let page = CaseListPage(
            cases: rows,
            hasCases: !rows.isEmpty,
            sectors: Option.all(Sector.self, selected: typed?.sector ?? []),
            impacts: Option.all(Impact.self, selected: [typed?.impact].compactMap { $0 }),
            statuses: Option.all(IncidentStatus.self, selected: [typed?.status].compactMap { $0 }),
            tlps: tlpOptions(selected: typed?.tlp.flatMap(TLP.init(rawValue:)) ?? .amber),
            escalations: escalations,
            hasEscalations: !escalations.isEmpty,
            refreshSeconds: 60,
            typed: typed,
            error: error
        )
        return render(page, context, status: status)
    }

    func openCase(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(OpenCaseForm.self, request)
        do {
            let report = CaseAction.Report(
                title: typed.title ?? "",
                summary: typed.summary ?? "",
                sectors: try (typed.sector ?? []).map { try parse(Sector.self, $0, "sector") },
                impact: try parse(Impact.self, typed.impact ?? "", "impact"),
                firstSeen: Timestamp.format(Date()),
                status: try parse(IncidentStatus.self, typed.status ?? "ongoing", "status"),
                tlp: try parse(TLP.self, typed.tlp ?? "amber", "TLP"),
                exercise: typed.exercise == "on"
            )
            let event = try await cases.open(report, by: person(context))
            return redirect("/cases/\(event.caseID)")
        } catch let failure as ServiceFailure {
            return try await caseList(context, typed: typed, error: failure.description, status: .unprocessableContent)
        }
    }

    /// A case's page; after a refused step, `typed` is the form that was refused: it opens again with
    /// what the person wrote.
    func casePage(
        _ id: String,
        _ context: NodeRequestContext,
        typed: CaseEventForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let state: CaseState
        do { state = try await cases.state(id) } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No such case", failure.description)
        }
        let role = context.principal?.role ?? .observer
        do { try CaseReading.check(state, role) } catch let failure as ServiceFailure {
            return errorPage(context, .forbidden, "Withheld: TLP:RED", failure.description)
        }
        let me = cases.identity.id
        let now = Date()
        let possible = Set(state.possibleActions(for: me))
        let canWrite = context.principal?.role.canWrite ?? false
        let others = state.participants.filter { $0 != me }.map { Option(value: $0.rawValue) }
        let steps = CaseStep.allCases.map { step in
            let entries = state.timeline.filter { $0.step == step }.map { timelineEntry($0, role: role) }
            return CasePage.Step(label: step.label, entries: entries, hasEntries: !entries.isEmpty)
        }
        let due = state.dueItems.map { item in
            CasePage.Due(
                summary: item.summary,
                owedBy: item.owedBy.rawValue,
                askedBy: item.askedBy.rawValue,
                dueBy: displayWire(item.dueBy),
                desk: item.desk.rawValue,
                overdue: item.isOverdue(atMilliseconds: now.unixMilliseconds),
                mine: item.owedBy == me
            )
        }
        let requests = state.requests.map { record in
            CasePage.Request(
                id: record.event.id,
                from: record.event.author.rawValue,
                to: record.request.to.map(\.rawValue).joined(separator: ", "),
                asks: record.request.asks.map(\.rawValue).joined(separator: ", "),
                details: record.request.details,
                dueBy: displayWire(record.request.dueBy),
                status: record.request.to.allSatisfy(record.answered) ? "answered" : "awaiting answer",
                responses: record.responses.map {
                    CasePage.Response(from: $0.event.author.rawValue, decision: $0.response.decision.rawValue, content: $0.response.content)
                }
            )
        }
        let statements = state.statements.map { record in
            CasePage.Statement(
                id: record.event.id,
                title: record.statement.title,
                text: record.statement.text,
                proposedBy: record.event.author.rawValue,
                signers: record.signers.map(\.rawValue).joined(separator: ", "),
                canCosign: canWrite && cases.speaking.allows(.caseEvent(.cosignature), role: role) && !record.signers.contains(me)
            )
        }
        let pendingAcknowledgements = state.notifications.filter { $0.notification.participants.contains(me) && $0.acknowledgedBy[me] == nil }
        let invitable = await cases.peers.all().map(\.record.id).filter { !state.participants.contains($0) }
        var allowed: [String: Bool] = [:]
        for kind in possible where canWrite && cases.speaking.allows(.caseEvent(kind), role: role) { allowed[kind.rawValue] = true }
        let forms = CasePage.Forms(
            can: allowed,
            retry: typed?.kind.map { [$0: true] } ?? [:],
            typed: typed,
            others: others,
            hasOthers: !others.isEmpty,
            invitable: invitable.map { Option(value: $0.rawValue) },
            hasInvitable: !invitable.isEmpty,
            asks: Option.all(Ask.self),
            decisions: Option.all(ResponseDecision.self),
            likelihoods: Likelihood.allCases.map {
                Option(value: $0.rawValue, label: "\($0.rawValue) (\($0.percentRange.lowerBound)–\($0.percentRange.upperBound) %)")
            },
            confidences: Option.all(Confidence.self),
            actorKinds: Option.all(ActorKind.self),
            bases: Option.all(AttributionBasis.self),
            tlps: tlpOptions(selected: typed?.tlp.flatMap(TLP.init(rawValue:)) ?? state.tlp),
            participants: state.participants.map { Option(value: $0.rawValue) },
            notifications: pendingAcknowledgements.map { CasePage.Pending(id: $0.event.id, text: $0.notification.message) },
            myRequests: state.requests.filter { $0.request.to.contains(me) }.map { CasePage.Pending(id: $0.event.id, text: $0.request.details) },
            myActions: state.actions.filter { $0.action.owner == me && $0.done == nil }.map {
                CasePage.Pending(id: $0.action.id, text: $0.action.action)
            },
            attributions: state.attributions.map {
                Option(
                    value: $0.event.id,
                    label: "\($0.attribution.actor.kind.rawValue) \($0.attribution.actor.name) — \($0.attribution.likelihood.rawValue)"
                )
            }
        )
        let escalations = try await cases.store.escalations(caseID: id).map(escalation)
        let record = try await records.publicRecord()
        let norms = record.allegations.filter { $0.body.caseReference == id }.map { item in
            CasePage.Norm(norm: item.body.norm, title: record.norm(item.body.norm)?.title ?? "", by: item.author.rawValue, against: item.body.against)
        }
        let page = CasePage(
            case: CasePage.Case(
                id: state.id,
                title: state.title,
                stage: state.stage?.label ?? "Waiting for its report",
                owner: state.owner?.rawValue ?? "?",
                participants: state.participants.map(\.rawValue).joined(separator: ", "),
                exercise: state.exercise,
                tlpLabel: state.tlp.label,
                tlpClass: tlpClass(state.tlp),
                summary: state.report?.summary ?? "",
                sectors: state.report?.sectors.map(\.rawValue).joined(separator: ", ") ?? "",
                impact: state.report?.impact.rawValue ?? "",
                status: state.report?.status.rawValue ?? "",
                firstSeen: state.report.map { displayWire($0.firstSeen) } ?? "",
                waiting: state.waiting.isEmpty ? nil : state.waiting.count
            ),
            steps: steps,
            due: due,
            hasDue: !due.isEmpty,
            requests: requests,
            hasRequests: !requests.isEmpty,
            evidence: state.evidence.map { evidence($0, role: role) },
            hasEvidence: !state.evidence.isEmpty,
            attributionList: state.attributions.map(attribution),
            hasAttributions: !state.attributions.isEmpty,
            statements: statements,
            hasStatements: !statements.isEmpty,
            actions: state.actions.map {
                CasePage.Action(
                    id: $0.action.id,
                    action: $0.action.action,
                    owner: $0.action.owner.rawValue,
                    dueBy: displayWire($0.action.dueBy),
                    done: $0.done.map { "done \(displayWire($0.at))" } ?? "open"
                )
            },
            hasActions: !state.actions.isEmpty,
            forms: forms,
            hasForms: canWrite && !possible.isEmpty,
            escalations: escalations,
            hasEscalations: !escalations.isEmpty,
            norms: norms,
            hasNorms: !norms.isEmpty,
            error: error
        )
        return render(page, context, status: status)
    }

    func recordCaseEvent(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try caseID(context)
        let form = try await self.form(CaseEventForm.self, request)
        do {
            let kind = try parse(CaseAction.Kind.self, form.kind ?? "", "kind")
            switch kind {
            case .cosignature: try await cases.cosign(statement: form.statement ?? "", in: id, by: person(context))
            case .statement:
                _ = try await cases.propose(
                    .init(title: form.title ?? "", text: form.text ?? "", attribution: nonEmpty(form.attribution)),
                    in: id,
                    by: person(context)
                )
            default: try await cases.record(try action(kind, form), in: id, by: person(context))
            }
            return redirect("/cases/\(id)")
        } catch let failure as ServiceFailure {
            return try await casePage(id, context, typed: form, error: failure.description, status: .unprocessableContent)
        }
    }

    func downloadStatement(_ context: NodeRequestContext) async throws -> Response {
        let id = try caseID(context)
        do {
            try CaseReading.check(try await cases.state(id), context.principal?.role ?? .observer)
            let statement = try await cases.exportStatement(context.parameters.get("statement") ?? "", in: id)
            return JSONResponse.file(statement.fileBytes, named: "joint-statement.json")
        } catch ServiceFailure.forbidden(let reason) {
            return errorPage(context, .forbidden, "Withheld: TLP:RED", reason)
        } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No exportable statement", failure.description)
        }
    }

    /// Reads a case step from its form. Field names follow the event body (docs/PROTOCOL.md).
    func action(_ kind: CaseAction.Kind, _ form: CaseEventForm) throws -> CaseAction {
        let now = Date()
        func due() throws -> String {
            guard let due = DueWithin.timestamp(form.within ?? "", from: now) else {
                throw ServiceFailure.invalid("Due within: choose when it is due")
            }
            return due
        }
        func ids(_ texts: [String]?) -> [ParticipantID] { (texts ?? []).compactMap(ParticipantID.init) }
        func lines(_ text: String?) throws -> [(String, String)] {
            try (text ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
                line in
                guard let separator = line.firstIndex(of: "=") else { throw ServiceFailure.invalid("write one NAME=VALUE per line, not “\(line)”") }
                return (
                    String(line[..<separator]).trimmingCharacters(in: .whitespaces),
                    String(line[line.index(after: separator)...]).trimmingCharacters(in: .whitespaces)
                )
            }
        }
        let action: CaseAction =
            switch kind {
            case .report, .statement, .cosignature: throw ServiceFailure.invalid("\(kind.rawValue) has its own form")
            case .notification: .notification(.init(participants: ids(form.participant), message: form.message ?? "", respondBy: try due()))
            case .acknowledgement: .acknowledgement(.init(notification: form.notification ?? ""))
            case .request:
                .request(
                    .init(
                        to: ids(form.to),
                        asks: try (form.ask ?? []).map { try parse(Ask.self, $0, "ask") },
                        details: form.details ?? "",
                        dueBy: try due(),
                        desk: try parse(ResponsibleDesk.self, form.desk ?? "technical", "desk")
                    )
                )
            case .response:
                .response(
                    .init(
                        request: form.request ?? "",
                        decision: try parse(ResponseDecision.self, form.decision ?? "", "decision"),
                        content: form.content ?? ""
                    )
                )
            case .evidence:
                .evidence(
                    .init(
                        description: form.description ?? "",
                        files: try lines(form.files).map {
                            .init(name: $0.0, sha256: $0.1.lowercased(), tlp: try parse(TLP.self, form.tlp ?? "", "TLP"))
                        },
                        indicators: try lines(form.indicators).map { .init(type: $0.0, value: $0.1) },
                        tlp: try parse(TLP.self, form.tlp ?? "", "TLP")
                    )
                )
            case .consultation:
                .consultation(.init(with: ids(form.with), heldAt: Timestamp.format(now), minutes: form.minutes ?? "", outcome: form.outcome ?? ""))
            case .referral: .referral(.init(forum: form.forum ?? "", reason: form.reason ?? ""))
            case .attribution:
                .attribution(
                    .init(
                        actor: .init(kind: try parse(ActorKind.self, form.actorKind ?? "", "actor"), name: form.actorName ?? ""),
                        basis: try (form.basis ?? []).map { try parse(AttributionBasis.self, $0, "basis") },
                        likelihood: try parse(Likelihood.self, form.likelihood ?? "", "likelihood"),
                        confidence: try parse(Confidence.self, form.confidence ?? "", "confidence"),
                        summary: form.summary ?? ""
                    )
                )
            case .resolution: .resolution(.init(outcome: form.outcome ?? ""))
            case .followUp:
                .followUp(
                    .init(actions: [
                        .init(
                            id: form.actionID ?? "",
                            action: form.text ?? "",
                            owner: try parse(ParticipantID.self, form.owner ?? ""),
                            dueBy: try due()
                        )
                    ])
                )
            case .followUpDone: .followUpDone(.init(action: form.action ?? "", note: form.note ?? ""))
            case .closure: .closure(.init(outcome: form.outcome ?? ""))
            }
        do { try action.validate() } catch { throw ServiceFailure.invalid(error.description) }
        return action
    }

    func timelineEntry(_ entry: CaseState.TimelineEntry, role: Role) -> CasePage.Entry {
        let event = entry.event
        let text =
            CaseReading.mayRead(event, role)
            ? CaseNarrative.line(for: event.action) : "Shared evidence marked TLP:RED (withheld: for the Points of Contact only)."
        return CasePage.Entry(
            id: event.id,
            at: displayWire(event.at),
            author: event.author.rawValue,
            by: "\(event.by.name) (\(event.by.role))",
            kind: event.action.kind.rawValue,
            text: text,
            refusal: entry.refusal
        )
    }

    func evidence(_ item: (event: CaseEvent, evidence: CaseAction.Evidence), role: Role) -> CasePage.Evidence {
        let readable = role.mayRead(item.evidence.tlp)
        return CasePage.Evidence(
            from: item.event.author.rawValue,
            description: readable ? item.evidence.description : "Withheld: TLP:RED, for the Points of Contact only",
            tlpLabel: item.evidence.tlp.label,
            tlpClass: tlpClass(item.evidence.tlp),
            files: readable ? item.evidence.files.map { CasePage.File(name: $0.name, sha256: $0.sha256) } : [],
            indicators: readable ? item.evidence.indicators.map { CasePage.Indicator(type: $0.type, value: $0.value) } : []
        )
    }

    func attribution(_ item: (event: CaseEvent, attribution: CaseAction.Attribution)) -> CasePage.Attribution {
        let assessment = item.attribution
        return CasePage.Attribution(
            by: item.event.author.rawValue,
            actor: assessment.actor.name.isEmpty ? "unknown actor" : assessment.actor.name,
            actorKind: assessment.actor.kind.rawValue,
            basis: assessment.basis.map(\.rawValue).joined(separator: ", "),
            likelihood: assessment.likelihood.rawValue,
            range: "\(assessment.likelihood.percentRange.lowerBound)–\(assessment.likelihood.percentRange.upperBound) %",
            confidence: assessment.confidence.rawValue,
            summary: assessment.summary
        )
    }

    func escalation(_ escalation: CaseEscalation) -> CasePage.Escalation {
        CasePage.Escalation(caseID: escalation.caseID, summary: escalation.summary, raisedAt: display(escalation.raisedAt))
    }
}

private func parse(_ type: ParticipantID.Type, _ text: String) throws -> ParticipantID {
    guard let id = ParticipantID(text) else { throw ServiceFailure.invalid("“\(text)” is not a participant id") }
    return id
}

/// One readable line per case event, for the timeline.
enum CaseNarrative {
    static func line(for action: CaseAction) -> String {
        switch action {
        case .report(let report):
            "Reported: \(report.summary) Sectors: \(report.sectors.map(\.rawValue).joined(separator: ", ")); impact \(report.impact.rawValue); \(report.status.rawValue)."
        case .notification(let notification): "Notified \(notification.participants.map(\.rawValue).joined(separator: ", ")): \(notification.message)"
        case .acknowledgement: "Acknowledged the notification."
        case .request(let request):
            "Requested \(request.asks.map(\.rawValue).joined(separator: ", ")) from \(request.to.map(\.rawValue).joined(separator: ", ")): \(request.details)"
        case .response(let response): "Answered (\(response.decision.rawValue)): \(response.content)"
        case .evidence(let evidence):
            "Shared evidence: \(evidence.description) (\(evidence.files.count) file(s), \(evidence.indicators.count) indicator(s))."
        case .consultation(let consultation): "Consulted \(consultation.with.map(\.rawValue).joined(separator: ", ")): \(consultation.outcome)"
        case .referral(let referral): "Referred to \(referral.forum): \(referral.reason)"
        case .attribution(let attribution):
            "Assessed: \(attribution.likelihood.rawValue) (\(attribution.confidence.rawValue) confidence) that \(attribution.actor.name.isEmpty ? "an unknown actor" : attribution.actor.name) (\(attribution.actor.kind.rawValue)) is responsible."
        case .statement(let statement): "Proposed the joint statement “\(statement.title)”."
        case .cosignature: "Co-signed a joint statement."
        case .resolution(let resolution): "Resolved: \(resolution.outcome)"
        case .followUp(let followUp): "Agreed follow-up: " + followUp.actions.map { "\($0.action) (\($0.owner))" }.joined(separator: "; ")
        case .followUpDone(let done): "Done: \(done.action). \(done.note)"
        case .closure(let closure): "Closed: \(closure.outcome)"
        }
    }
}
