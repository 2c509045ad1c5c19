import Cases
import EntenteProtocol
import Foundation
import Hummingbird
import Intelligence
import Storage

/// `/api/v1/cases` and `/api/v1/escalations`: incident cases for the CLI and scripts.
struct CaseAPIRoutes: APIHandler {
    let cases: CaseService

    func register(on group: RouterGroup<NodeRequestContext>) {
        group.get("cases") { request, context in try await self.list(request, context) }
        group.post("cases") { request, context in try await self.open(request, context) }
        group.get("cases/:case") { _, context in try await self.show(context) }
        group.post("cases/:case/events") { request, context in try await self.record(request, context) }
        group.get("cases/:case/statements/:statement") { _, context in try await self.export(context) }
        group.get("escalations") { _, _ in try await self.escalations() }
        group.get("cases/:case/stix") { _, context in try await self.stix(context) }
    }

    func list(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let limit = try limit(request)
        let now = Date()
        let role = context.principal?.role ?? .observer
        return JSONResponse.make(.array(try await cases.cases(limit: limit).map { CaseRepresentation.summary($0, now: now, role: role) }))
    }

    struct OpenBody: Codable {
        var title: String
        var summary: String
        var sectors: [Sector]
        var impact: Impact
        var firstSeen: String?
        var status: IncidentStatus?
        var tlp: TLP?
        var exercise: Bool?
        var by: String?
    }

    func open(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decode(OpenBody.self, from: request)
        let report = CaseAction.Report(
            title: body.title,
            summary: body.summary,
            sectors: body.sectors,
            impact: body.impact,
            firstSeen: body.firstSeen ?? Timestamp.format(Date()),
            status: body.status ?? .ongoing,
            tlp: body.tlp ?? .amber,
            exercise: body.exercise ?? false
        )
        return try await handling {
            let event = try await cases.open(report, by: person(body.by, context))
            return JSONResponse.make(["id": .string(event.caseID)], status: .created)
        }
    }

    func show(_ context: NodeRequestContext) async throws -> Response {
        let id = try caseID(context)
        return try await handling {
            let state = try await cases.state(id)
            let role = context.principal?.role ?? .observer
            try CaseReading.check(state, role)
            let escalations = try await cases.store.escalations(caseID: id)
            return JSONResponse.make(try CaseRepresentation.full(state, for: cases.identity.id, escalations: escalations, now: Date(), role: role))
        }
    }

    struct EventBody: Codable {
        var kind: CaseAction.Kind
        var body: JSONValue
        var by: String?
    }

    /// One step in the case. A `statement` is proposed and signed by this node; a
    /// `cosignature` names only its `statement`: the node computes the signature.
    func record(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try caseID(context)
        let body = try await decode(EventBody.self, from: request)
        let person = person(body.by, context)
        return try await handling {
            let event: CaseEvent
            switch body.kind {
            case .cosignature:
                guard let statement = body.body["statement"]?.stringValue else {
                    throw ServiceFailure.invalid("cosignature: malformed document: missing statement")
                }
                event = try await cases.cosign(statement: statement, in: id, by: person)
            case .statement:
                guard case .statement(let statement) = try action(body) else { preconditionFailure("kind checked") }
                event = try await cases.propose(statement, in: id, by: person)
            default:
                event = try await cases.record(try action(body), in: id, by: person)
            }
            return JSONResponse.make(CaseRepresentation.event(event, role: context.principal?.role ?? .observer), status: .created)
        }
    }

    func export(_ context: NodeRequestContext) async throws -> Response {
        let id = try caseID(context)
        let statement = try entryID(context, "statement")
        return try await handling {
            try CaseReading.check(try await cases.state(id), context.principal?.role ?? .observer)
            let exported = try await cases.exportStatement(statement, in: id)
            return JSONResponse.file(exported.fileBytes, named: "statement-\(statement).json")
        }
    }

    /// The case's evidence as a STIX 2.1 bundle; `POST /api/v1/taxii/collections/{id}/cases/{case}` shares it in a collection.
    func stix(_ context: NodeRequestContext) async throws -> Response {
        let id = try caseID(context)
        return try await handling {
            let state = try await cases.state(id)
            let role = context.principal?.role ?? .observer
            try CaseReading.check(state, role)
            let objects = CaseIntelligence.bundle(of: state).filter {
                role.mayRead(TLPMarking.strictest(($0["object_marking_refs"]?.arrayValue ?? []).compactMap(\.stringValue)) ?? .red)
            }
            return JSONResponse.make(["type": "bundle", "id": .string("bundle--" + UUID().uuidString.lowercased()), "objects": .array(objects)])
        }
    }

    func escalations() async throws -> Response {
        JSONResponse.make(.array(try await cases.store.escalations().map(CaseRepresentation.escalation)))
    }

    private func action(_ body: EventBody) throws -> CaseAction {
        do { return try CaseAction(kind: body.kind, body: body.body) } catch { throw APIError(.unprocessableContent, "invalid", error.description) }
    }

    private func caseID(_ context: NodeRequestContext) throws -> String { try entryID(context, "case") }
}
