import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Multilateral

/// The agreements page: each agreement's text, parties, signatures and obligations, and the forms that
/// propose and sign one.
struct AgreementsWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("agreements") { _, context in try await self.agreementsPage(context, error: nil) }
        web.post("agreements") { request, context in try await self.writeAgreement(request, context) }
    }

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
}
