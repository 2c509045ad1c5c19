import CanonicalJSON
import Detection
import EntenteProtocol
import Foundation
import Hummingbird
import Intelligence
import Storage

/// `/api/v1/detection`: logs sent to be scanned, the findings, and what a finding becomes.
struct DetectionAPIRoutes: APIHandler {
    let detection: DetectionService

    func register(on api: RouterGroup<NodeRequestContext>) {
        api.post("detection/logs") { request, context in try await self.scan(request, context) }
        api.get("detection/findings") { request, context in try await self.findings(request, context) }
        api.post("detection/findings/:finding/sighting") { _, context in try await self.recordSighting(context) }
        api.post("detection/findings/:finding/evidence") { request, context in try await self.addToCase(request, context) }
    }

    /// The log is the body, as it is on disk (gzip accepted), read as it arrives.
    func scan(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        guard let name = request.uri.queryParameters.get("name") else {
            throw APIError.badRequest("name: the log's file name (conn.log, dns.log.gz, …) is required as a query parameter")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > DetectionService.maximumLogBytes {
            throw APIError.tooLarge(DetectionService.maximumLogBytes)
        }
        return try await handling {
            let (run, findings) = try await detection.scan(
                log: String(name),
                body: request.body,
                reader: Self.principal(context).reader,
                submittedBy: context.principal?.name ?? "operator"
            )
            let alerts = findings.filter { $0.finding.explanation == nil }
            return JSONResponse.make(
                [
                    "run": .string(run.id), "log": run.summary, "indicators": .number(Double(run.indicators)),
                    "findings": .array(alerts.map(Self.representation)), "explained": .number(Double(findings.count - alerts.count)),
                ],
                status: .created
            )
        }
    }

    func findings(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var filter = FindingFilter(reader: Self.reader(context))
        if let kind = parameters.get("kind") {
            guard let known = Finding.Kind(rawValue: String(kind)) else {
                throw APIError.badRequest("kind: one of indicator, pattern, beacon, dga")
            }
            filter.kind = known
        }
        if let score = parameters.get("minScore") {
            guard let value = Double(score), (0...1).contains(value) else { throw APIError.badRequest("minScore: a number from 0 to 1") }
            filter.minimumScore = value
        }
        if let text = parameters.get("text") {
            guard text.unicodeScalars.count <= 200 else { throw APIError.badRequest("text: at most 200 characters") }
            filter.text = String(text)
        }
        if let explained = parameters.get("explained") {
            guard let flag = Bool(String(explained)) else { throw APIError.badRequest("explained: true or false") }
            filter.includeExplained = flag
        }
        if let limit = parameters.get("limit") {
            guard let value = Int(limit), (1...1000).contains(value) else { throw APIError.badRequest("limit: 1 to 1000") }
            filter.limit = value
        }
        let found = try await detection.store.detectionFindings(filter)
        return JSONResponse.make(["findings": .array(found.map(Self.representation))])
    }

    func recordSighting(_ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "finding")
        return try await handling {
            let sighting = try await detection.recordSighting(
                of: id,
                by: Self.principal(context),
                reader: Self.reader(context)
            )
            return JSONResponse.make(["sighting": .string(sighting)], status: .created)
        }
    }

    struct EvidenceBody: Codable {
        var `case`: String
        var tlp: TLP?
        var by: String?
    }

    func addToCase(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try entryID(context, "finding")
        let body = try await decode(EvidenceBody.self, from: request)
        return try await handling {
            guard UUIDv7.isValid(body.case) else { throw ServiceFailure.notFound("there is no case \(body.case.prefix(64)): case ids are UUIDv7") }
            let event = try await detection.addToCase(
                id,
                caseID: body.case,
                tlp: body.tlp,
                by: person(body.by, context),
                reader: Self.reader(context)
            )
            return JSONResponse.make(["case": .string(body.case), "event": .string(event.id)], status: .created)
        }
    }

    /// A person or the operator reading and writing intelligence: the operator's rights, under their own name.
    static func principal(_ context: NodeRequestContext) -> IntelligenceService.Principal {
        var principal = IntelligenceService.Principal.nodeOperator
        principal.name = context.principal?.accountName ?? "operator"
        return principal
    }

    static func reader(_ context: NodeRequestContext) -> FindingReader {
        FindingReader(name: context.principal?.accountName ?? "operator", role: context.principal?.role ?? .observer)
    }

    /// A finding as `entente detect --json` prints it, with what the node keeps beside it.
    static func representation(_ stored: StoredFinding) -> JSONValue {
        guard case .object(var members) = stored.finding.json else { return stored.finding.json }
        members["id"] = .string(stored.id)
        members["run"] = .string(stored.runID)
        members["tlp"] = .string(stored.tlp.rawValue)
        members["sighting"] = stored.sighting.map(JSONValue.string)
        members["case"] = stored.caseID.map(JSONValue.string)
        return .object(members)
    }
}
