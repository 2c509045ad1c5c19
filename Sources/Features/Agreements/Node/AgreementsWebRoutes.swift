import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Multilateral
import WebInterface

/// The agreements page: each agreement's text, parties, signatures and obligations, and the forms that
/// propose and sign one.
struct AgreementsWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("agreements") { _, context in try await self.agreementsPage(context, error: nil) }
        web.post("agreements") { request, context in try await self.writeAgreement(request, context) }
        web.get("agreements/:agreement/file") { _, context in try await self.downloadFile(context) }
    }

    func agreementsPage(
        _ context: NodeRequestContext,
        typed: AgreementForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let me = records.identity.id
        let agreements = try await records.agreements().map { state in
            let agreement = state.agreement!
            return AgreementsPage.Agreement(
                id: state.id,
                title: agreement.title,
                text: agreement.text,
                parties: state.parties.map(\.rawValue).joined(separator: ", "),
                signedBy: state.signedBy.map(\.rawValue).joined(separator: ", "),
                inForce: state.isInForce,
                since: state.inForceSince.map(displayWire) ?? "",
                digest: state.digest ?? "",
                obligations: agreement.obligations.map { obligation in
                    AgreementsPage.Obligation(
                        text: obligation.kind == .acknowledge
                            ? "Acknowledge \(obligation.priority?.rawValue ?? "") messages within \(Self.duration(obligation.withinSeconds))"
                            : "Notify incidents affecting the other's critical infrastructure within \(Self.duration(obligation.withinSeconds))",
                        description: nonEmpty(obligation.description)
                    )
                },
                canSign: (context.principal?.role.canWrite ?? false)
                    && records.speaking.allows(.recordEntry(.agreementSignature), role: context.principal?.role)
                    && state.unsignedBy.contains(me)
            )
        }
        let proposing = typed?.ifKind(.agreement)
        let page = AgreementsPage(
            agreements: agreements,
            hasAgreements: !agreements.isEmpty,
            participants: await records.participants().filter { $0 != me }.map {
                Option(value: $0.rawValue, selected: proposing?.party?.contains($0.rawValue) ?? false)
            },
            typed: proposing,
            error: error
        )
        return render(page, context, status: status)
    }

    func writeAgreement(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(AgreementForm.self, request)
        do {
            if typed.kind == RecordKind.agreementSignature.rawValue {
                try await records.signAgreement(typed.agreement ?? "", by: person(context))
            } else {
                var obligations: [Obligation] = []
                for priority in Priority.allCases {
                    guard let minutes = try whole(typed.acknowledgeMinutes?[priority.rawValue], "Acknowledge \(priority.rawValue) within (minutes)")
                    else { continue }
                    obligations.append(Obligation(kind: .acknowledge, priority: priority, withinSeconds: minutes * 60, description: ""))
                }
                if let hours = try whole(typed.notifyHours, "Notify incidents within (hours)") {
                    obligations.append(Obligation(kind: .notifyIncident, withinSeconds: hours * 3600, description: ""))
                }
                let parties = [records.identity.id] + (typed.party ?? []).compactMap(ParticipantID.init)
                let text = AgreementText(title: typed.title ?? "", text: typed.text ?? "", parties: parties, obligations: obligations)
                let entry = try await records.write(.agreement, body: try text.json, in: nil, by: person(context))
                try await records.signAgreement(entry.id, by: person(context))
            }
            return redirect("/agreements")
        } catch let failure as ServiceFailure {
            return try await agreementsPage(context, typed: typed, error: failure.description, status: .unprocessableContent)
        }
    }

    func downloadFile(_ context: NodeRequestContext) async throws -> Response {
        let id = try recordID(context, "agreement")
        do {
            return JSONResponse.file(try await records.agreementFile(id).fileBytes, named: "agreement.json")
        } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No agreement in force", failure.description)
        }
    }

    /// A whole number typed in the field `label`, or nil when it was left empty.
    func whole(_ text: String?, _ label: String) throws -> Int? {
        guard let text = nonEmpty(text?.trimmingCharacters(in: .whitespaces)) else { return nil }
        guard let number = Int(text), number > 0 else { throw ServiceFailure.invalid("\(label): “\(text)” is not a whole number above 0") }
        return number
    }

    static func duration(_ seconds: Int) -> String {
        seconds % 3600 == 0 ? "\(seconds / 3600) h" : seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
    }
}
