import EntenteProtocol
import Foundation
import Hummingbird
import WebInterface

/// The communication-checks page: reachability and answer times per peer and per day, and the button
/// that checks every peer now.
struct ChecksWebRoutes: WebPage {
    let service: HotlineService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("checks") { _, context in try await self.checks(context, notice: nil) }
        web.post("checks") { request, context in try await self.sendChecks(request, context) }
    }

    func checks(_ context: NodeRequestContext, notice: String?) async throws -> Response {
        let report = CheckReport(checks: try await service.store.communicationChecks(limit: 500))
        let page = ChecksPage(
            participants: report.participants.map(row),
            days: report.days.prefix(60).map(row),
            checks: report.checks.prefix(50).map { check in
                ChecksPage.Check(
                    id: check.messageID,
                    peer: check.peer,
                    sentAt: display(check.sentAt),
                    roundTrip: describe(check.roundTrip),
                    timeToAnswer: describe(check.timeToAnswer)
                )
            },
            notice: notice
        )
        return render(page, context)
    }

    func row(_ row: CheckReport.Participant) -> ChecksPage.Summary {
        ChecksPage.Summary(
            peer: row.peer,
            day: row.day,
            checks: row.checks,
            reached: row.reached,
            answered: row.answered,
            reachability: String(format: "%.0f%%", row.reachability * 100),
            roundTrip: describe(row.medianRoundTrip),
            timeToAnswer: describe(row.medianTimeToAnswer),
            lastCheckAt: row.lastCheckAt.map(display) ?? "—"
        )
    }

    func sendChecks(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        do {
            let sent = try await service.sendCommunicationChecks(composedBy: context.principal?.name)
            return try await checks(context, notice: "Communication check sent to \(sent.keys.sorted().joined(separator: ", ")).")
        } catch let failure as ServiceFailure {
            return errorPage(context, .unprocessableContent, "Could not send checks", failure.description)
        }
    }
}
