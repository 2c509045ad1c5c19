import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Multilateral

/// The drills pages: every drill with its progress, the form that scripts a new one, and a drill's
/// after-action report.
struct DrillsWebRoutes: WebPage {
    let drills: DrillService
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("drills") { _, context in try await self.drillsPage(context, error: nil) }
        web.post("drills") { request, context in try await self.createDrill(request, context) }
        web.get("drills/:drill") { _, context in try await self.drillPage(context) }
    }

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
