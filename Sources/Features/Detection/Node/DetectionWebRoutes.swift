import Cases
import Detection
import EntenteProtocol
import Foundation
import Hummingbird
import Intelligence
import Storage
import WebInterface

/// The detection page: findings, filterable, each with its reasons and the two things to do with it.
struct DetectionWebRoutes: WebPage {
    let detection: DetectionService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("detection") { request, context in try await self.detectionPage(request, context) }
        web.post("detection/findings/:finding/sighting") { request, context in try await self.recordSighting(request, context) }
        web.post("detection/findings/:finding/evidence") { request, context in try await self.addToCase(request, context) }
    }

    func detectionPage(
        _ request: Request,
        _ context: NodeRequestContext,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        let parameters = request.uri.queryParameters
        let typed = FindingsFilterForm(
            kind: parameters.get("kind").map { String($0) },
            minScore: parameters.get("minScore").map { String($0) },
            text: parameters.get("text").map { String($0.prefix(200)) },
            explained: parameters.get("explained").map { String($0) }
        )
        var filter = FindingFilter(reader: DetectionAPIRoutes.reader(context))
        filter.kind = typed.kind.flatMap(Finding.Kind.init)
        filter.minimumScore = typed.minScore.flatMap(Double.init)
        filter.text = typed.text
        filter.includeExplained = typed.explained == "true"
        let findings = try await detection.store.detectionFindings(filter)
        let runs = try await detection.store.detectionRuns(limit: 20)
        let role = context.principal?.role ?? .observer
        let knownCases = try await detection.cases.cases(limit: 200).filter { $0.report != nil }
        // A TLP:RED case's title is for the Points of Contact only, here as in the case lists.
        let caseTitles = Dictionary(
            uniqueKeysWithValues: knownCases.map { ($0.id, role.mayRead($0.tlp) ? $0.report?.title ?? $0.id : CaseReading.withheldTitle) }
        )
        let openCases = knownCases.filter { $0.closure == nil }
        let notice: String? =
            switch parameters.get("done") {
            case "sighting": "Sighting recorded. It goes back to the indicator's producer with the next exchange, if the indicator's TLP allows."
            case "evidence": "Added to the case as evidence."
            default: nil
            }
        let page = DetectionPage(
            findings: findings.map { findingCard($0, caseTitles: caseTitles) },
            hasFindings: !findings.isEmpty,
            runs: runs.map(runRow),
            hasRuns: !runs.isEmpty,
            kinds: [
                ("indicator", "Partner's indicator"), ("pattern", "Partner's STIX pattern"), ("beacon", "Beacon"),
                ("dga", "Generated domain names"),
            ].map { Option(value: $0, label: $1, selected: $0 == typed.kind) },
            filter: typed,
            showExplained: filter.includeExplained,
            cases: openCases.map { DetectionPage.CaseChoice(id: $0.id, title: caseTitles[$0.id] ?? $0.id) },
            hasCases: !openCases.isEmpty,
            notice: notice,
            error: error
        )
        return render(page, context, status: status)
    }

    func findingCard(_ stored: StoredFinding, caseTitles: [String: String]) -> DetectionPage.Finding {
        let finding = stored.finding
        let kindLabel =
            switch finding.kind {
            case .indicator: "Partner's indicator"
            case .pattern: "Partner's STIX pattern"
            case .beacon: finding.explanation == nil ? "Beacon" : "Periodic service"
            case .dga: "Generated domain names"
            }
        return DetectionPage.Finding(
            id: stored.id,
            kind: finding.kind.rawValue,
            kindLabel: kindLabel,
            score: String(format: "%.2f", finding.score),
            source: finding.source ?? "?",
            target: finding.domain ?? finding.destination ?? finding.value ?? "?",
            count: finding.count,
            firstSeen: display(Date(timeIntervalSince1970: finding.firstSeen)),
            lastSeen: display(Date(timeIntervalSince1970: finding.lastSeen)),
            tlpLabel: stored.tlp.label,
            tlpClass: tlpClass(stored.tlp),
            reasons: finding.reasons,
            explanation: finding.explanation,
            indicator: finding.indicator,
            sighting: stored.sighting,
            caseID: stored.caseID,
            caseTitle: stored.caseID.map { caseTitles[$0] ?? $0 },
            mayReportSighting: finding.indicator != nil && stored.sighting == nil,
            tlps: tlpOptions(selected: stored.tlp).filter {
                TLP(rawValue: $0.value).map { TLPPolicy.rank($0) >= TLPPolicy.rank(stored.tlp) } ?? false
            }
        )
    }

    func runRow(_ run: DetectionRunRecord) -> DetectionPage.Run {
        let lines = run.summary["lines"]?.integerValue ?? 0
        let events = run.summary["events"]?.integerValue ?? 0
        let bad = run.summary["badLines"]?.integerValue ?? 0
        let numbers = run.summary["badLineNumbers"]?.arrayValue?.prefix(10).compactMap(\.integerValue).map(String.init) ?? []
        return DetectionPage.Run(
            logName: run.logName,
            submittedBy: run.submittedBy,
            finishedAt: display(run.finishedAt),
            lines: "\(lines) lines, \(events) events",
            badLines: bad == 0 ? nil : "\(bad) unreadable (line \(numbers.joined(separator: ", "))\(bad > numbers.count ? ", …" : ""))",
            findings: run.findings
        )
    }

    func recordSighting(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try recordID(context, "finding")
        let typed = try await form(FindingSightingForm.self, request)
        do {
            _ = try await detection.recordSighting(of: id, by: DetectionAPIRoutes.principal(context), reader: DetectionAPIRoutes.reader(context))
            return redirect("/detection?done=sighting\(typed.filter.query)#finding-\(id)")
        } catch let failure as ServiceFailure {
            return errorPage(context, .unprocessableContent, "The sighting was not recorded", failure.description)
        }
    }

    func addToCase(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try recordID(context, "finding")
        let typed = try await form(EvidenceForm.self, request)
        do {
            guard let caseID = typed.case, UUIDv7.isValid(caseID) else { throw ServiceFailure.invalid("Choose the case to add this finding to.") }
            _ = try await detection.addToCase(
                id,
                caseID: caseID,
                tlp: typed.tlp.flatMap(TLP.init),
                by: person(context),
                reader: DetectionAPIRoutes.reader(context)
            )
            return redirect("/detection?done=evidence\(typed.filter.query)#finding-\(id)")
        } catch let failure as ServiceFailure {
            return errorPage(context, .unprocessableContent, "The finding was not added to the case", failure.description)
        }
    }
}
