import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Multilateral
import WebInterface

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

    func drillsPage(
        _ context: NodeRequestContext,
        typed: DrillForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let drills = try await drills.drills().map { drill in
            DrillsPage.Row(
                id: drill.id,
                name: drill.scenario.name,
                startAt: display(drill.startAt),
                injects: drill.scenario.injects.count,
                participants: drill.scenario.participants.map(\.rawValue).joined(separator: ", "),
                sent: drill.report.sent,
                deliveries: drill.report.deliveries.count,
                answered: drill.report.answered
            )
        }
        let peers = await records.participants().filter { $0 != records.identity.id }
        let page = DrillsPage(
            drills: drills,
            hasDrills: !drills.isEmpty,
            peers: peers.map(\.rawValue).joined(separator: ", "),
            example:
                "0 | \(peers.prefix(2).map(\.rawValue).joined(separator: ", ")) | urgent | Exercise: ransomware at a power utility | Acknowledge and state your desk's first action.",
            typed: typed,
            error: error
        )
        return render(page, context, status: status)
    }

    /// A scenario from the form: one inject per line, `offset seconds | recipients | priority | subject | body`.
    func createDrill(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(DrillForm.self, request)
        do {
            let injects = try (typed.injects ?? "").split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                .map { line in
                    let parts = line.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    guard parts.count >= 4, let offset = Int(parts[0]) else {
                        throw ServiceFailure.invalid("Injects: write each as offset seconds | recipients | priority | subject | body — not “\(line)”")
                    }
                    return DrillScenario.Inject(
                        offsetSeconds: offset,
                        to: parts[1].split(separator: ",").compactMap { ParticipantID($0.trimmingCharacters(in: .whitespaces)) },
                        priority: try parse(Priority.self, parts[2], "priority"),
                        subject: parts[3],
                        body: parts.count > 4 ? parts[4] : ""
                    )
                }
            guard let minutes = Int(nonEmpty(typed.startInMinutes) ?? "0"), minutes >= 0 else {
                throw ServiceFailure.invalid("Starts in (minutes): “\(typed.startInMinutes ?? "")” is not a whole number of minutes")
            }
            let id = try await drills.create(
                DrillScenario(name: typed.name ?? "", injects: injects),
                startIn: .seconds(minutes * 60),
                createdBy: context.principal?.name
            )
            return redirect("/drills/\(id)")
        } catch let failure as ServiceFailure {
            return try await drillsPage(context, typed: typed, error: failure.description, status: .unprocessableContent)
        }
    }

    func drillPage(_ context: NodeRequestContext) async throws -> Response {
        let id = try recordID(context, "drill")
        let drill: DrillService.Drill
        do { drill = try await drills.drill(id) } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No such drill", failure.description)
        }
        func seconds(_ milliseconds: Int64?) -> String { milliseconds.map { String(format: "%.1f s", Double($0) / 1000) } ?? "—" }
        let page = DrillPage(
            drill: DrillPage.Drill(
                id: drill.id,
                name: drill.scenario.name,
                startAt: display(drill.startAt),
                sent: drill.report.sent,
                deliveries: drill.report.deliveries.count,
                answered: drill.report.answered
            ),
            rows: drill.report.deliveries.map { delivery in
                DrillPage.Delivery(
                    inject: delivery.inject,
                    recipient: delivery.recipient.rawValue,
                    subject: delivery.subject,
                    due: display(Date(unixMilliseconds: delivery.dueAt)),
                    sent: delivery.sentAt.map { display(Date(unixMilliseconds: $0)) } ?? "pending",
                    message: delivery.messageID,
                    response: seconds(delivery.responseMilliseconds),
                    late: delivery.answeredInTime == false,
                    unanswered: delivery.sentAt != nil && delivery.acknowledgedAt == nil
                )
            },
            refreshSeconds: drill.report.sent < drill.report.deliveries.count ? 10 : nil,
            participants: drill.report.participants.map { summary in
                DrillPage.Participant(
                    participant: summary.participant.rawValue,
                    injects: summary.injects,
                    answered: summary.answered,
                    inTime: summary.answeredInTime,
                    median: seconds(summary.medianResponseMilliseconds),
                    slowest: seconds(summary.slowestResponseMilliseconds)
                )
            }
        )
        return render(page, context)
    }
}
