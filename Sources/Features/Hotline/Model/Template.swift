/// The hotline's message templates, modelled on the communication template
/// adopted for the UN Global Intergovernmental Points of Contact directory.
public enum Template: String, Sendable, Codable, CaseIterable {
    case notification
    case requestInformation = "request-information"
    case requestAssistance = "request-assistance"
    case response
    case communicationCheck = "communication-check"
    case freeText = "free-text"

    public struct Field: Sendable, Equatable {
        public let name: String
        public let label: String
        public let required: Bool
        /// When set, the value must be one of these.
        public let choices: [String]?

        init(_ name: String, _ label: String, required: Bool = false, choices: [String]? = nil) {
            self.name = name
            self.label = label
            self.required = required
            self.choices = choices
        }
    }

    public var title: String {
        switch self {
        case .notification: "Notification of an incident"
        case .requestInformation: "Request for information"
        case .requestAssistance: "Request for assistance"
        case .response: "Response / follow-up"
        case .communicationCheck: "Communication check"
        case .freeText: "Free text"
        }
    }

    /// The template's structured fields, in the order a form shows them.
    public var fields: [Field] {
        switch self {
        case .notification:
            [
                Field(
                    "incidentType",
                    "Type of incident",
                    required: true,
                    choices: ["ransomware", "ddos", "intrusion", "data-breach", "malware", "defacement", "supply-chain", "other"]
                ),
                Field("firstObserved", "First observed (UTC)"),
                Field("affectedSectors", "Affected sectors"),
                Field("impact", "Impact"),
                Field("indicators", "Indicators of compromise"),
                Field("actionsTaken", "Actions taken so far"),
            ]
        case .requestInformation:
            [
                Field("informationRequested", "Information requested", required: true),
                Field("purpose", "Purpose"),
                Field("respondBy", "Respond by (UTC)"),
            ]
        case .requestAssistance:
            [
                Field(
                    "assistanceType",
                    "Assistance requested",
                    required: true,
                    choices: ["logs", "indicators", "takedown", "investigation", "mitigation", "other"]
                ),
                Field("details", "Details"),
                Field("respondBy", "Respond by (UTC)"),
            ]
        case .response:
            [
                Field("status", "Status", required: true, choices: ["accepted", "declined", "partial", "information"]),
                Field("nextSteps", "Next steps"),
            ]
        case .communicationCheck, .freeText:
            []
        }
    }
}
