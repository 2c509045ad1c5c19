import EntenteProtocol
import Foundation

/// What one case event says. Each kind has its own body on the wire
/// (docs/PROTOCOL.md, "Case events"); `validate()` bounds every field.
public enum CaseAction: Sendable, Equatable {
    case report(Report)
    case notification(Notification)
    case acknowledgement(Acknowledgement)
    case request(Request)
    case response(Response)
    case evidence(Evidence)
    case consultation(Consultation)
    case referral(Referral)
    case attribution(Attribution)
    case statement(Statement)
    case cosignature(Cosignature)
    case resolution(Resolution)
    case followUp(FollowUp)
    case followUpDone(FollowUpDone)
    case closure(Closure)

    public enum Kind: String, Sendable, CaseIterable, Codable {
        case report, notification, acknowledgement, request, response, evidence, consultation, referral
        case attribution, statement, cosignature, resolution
        case followUp = "follow-up"
        case followUpDone = "follow-up-done"
        case closure
    }

    public struct Report: Codable, Sendable, Equatable {
        public var title: String
        public var summary: String
        public var sectors: [Sector]
        public var impact: Impact
        public var firstSeen: String
        public var status: IncidentStatus
        /// The case's TLP 2.0 label: every envelope of the case carries it.
        public var tlp: TLP
        /// An exercise case: marked as such on every node and page.
        public var exercise: Bool

        public init(
            title: String,
            summary: String,
            sectors: [Sector],
            impact: Impact,
            firstSeen: String,
            status: IncidentStatus,
            tlp: TLP = .amber,
            exercise: Bool = false
        ) {
            self.tlp = tlp
            self.exercise = exercise
            self.title = title
            self.summary = summary
            self.sectors = sectors
            self.impact = impact
            self.firstSeen = firstSeen
            self.status = status
        }
    }

    /// The owner invites participants and states its concern; they owe an acknowledgement by `respondBy`.
    public struct Notification: Codable, Sendable, Equatable {
        public var participants: [ParticipantID]
        public var message: String
        public var respondBy: String

        public init(participants: [ParticipantID], message: String, respondBy: String) {
            self.participants = participants
            self.message = message
            self.respondBy = respondBy
        }
    }

    public struct Acknowledgement: Codable, Sendable, Equatable {
        public var notification: String
        public init(notification: String) { self.notification = notification }
    }

    public struct Request: Codable, Sendable, Equatable {
        public var to: [ParticipantID]
        public var asks: [Ask]
        public var details: String
        public var dueBy: String
        public var desk: ResponsibleDesk

        public init(to: [ParticipantID], asks: [Ask], details: String, dueBy: String, desk: ResponsibleDesk = .technical) {
            self.to = to
            self.asks = asks
            self.details = details
            self.dueBy = dueBy
            self.desk = desk
        }
    }

    public struct Response: Codable, Sendable, Equatable {
        public var request: String
        public var decision: ResponseDecision
        public var content: String

        public init(request: String, decision: ResponseDecision, content: String) {
            self.request = request
            self.decision = decision
            self.content = content
        }
    }

    /// Files travel out of band and are pinned here by SHA-256; indicators travel inline.
    public struct Evidence: Codable, Sendable, Equatable {
        public struct File: Codable, Sendable, Equatable {
            public var name: String
            public var sha256: String
            public var tlp: TLP
            public init(name: String, sha256: String, tlp: TLP) {
                self.name = name
                self.sha256 = sha256
                self.tlp = tlp
            }
        }
        public struct Indicator: Codable, Sendable, Equatable {
            public var type: String
            public var value: String
            public init(type: String, value: String) {
                self.type = type
                self.value = value
            }
        }
        public var description: String
        public var files: [File]
        public var indicators: [Indicator]
        public var tlp: TLP

        public init(description: String, files: [File] = [], indicators: [Indicator] = [], tlp: TLP) {
            self.description = description
            self.files = files
            self.indicators = indicators
            self.tlp = tlp
        }
    }

    public struct Consultation: Codable, Sendable, Equatable {
        public var with: [ParticipantID]
        public var heldAt: String
        public var minutes: String
        public var outcome: String

        public init(with: [ParticipantID], heldAt: String, minutes: String, outcome: String) {
            self.with = with
            self.heldAt = heldAt
            self.minutes = minutes
            self.outcome = outcome
        }
    }

    public struct Referral: Codable, Sendable, Equatable {
        public var forum: String
        public var reason: String
        public init(forum: String, reason: String) {
            self.forum = forum
            self.reason = reason
        }
    }

    public struct Attribution: Codable, Sendable, Equatable {
        public struct Actor: Codable, Sendable, Equatable {
            public var kind: ActorKind
            /// The group's or state's name; empty when the actor is unknown.
            public var name: String
            public init(kind: ActorKind, name: String = "") {
                self.kind = kind
                self.name = name
            }
        }
        public var actor: Actor
        public var basis: [AttributionBasis]
        public var likelihood: Likelihood
        public var confidence: Confidence
        public var summary: String

        public init(actor: Actor, basis: [AttributionBasis], likelihood: Likelihood, confidence: Confidence, summary: String) {
            self.actor = actor
            self.basis = basis
            self.likelihood = likelihood
            self.confidence = confidence
            self.summary = summary
        }
    }

    /// A proposed joint statement; participants co-sign its exact text (`JointStatement`).
    public struct Statement: Codable, Sendable, Equatable {
        public var title: String
        public var text: String
        /// The attribution assessment event it endorses, if any.
        public var attribution: String?

        public init(title: String, text: String, attribution: String? = nil) {
            self.title = title
            self.text = text
            self.attribution = attribution
        }
    }

    public struct Cosignature: Codable, Sendable, Equatable {
        public var statement: String
        /// Ed25519 over the statement's signing form (`JointStatement.signingBytes`), base64url.
        public var signature: String
        public init(statement: String, signature: String) {
            self.statement = statement
            self.signature = signature
        }
    }

    public struct Resolution: Codable, Sendable, Equatable {
        public var outcome: String
        public init(outcome: String) { self.outcome = outcome }
    }

    public struct FollowUp: Codable, Sendable, Equatable {
        public struct Action: Codable, Sendable, Hashable {
            public var id: String
            public var action: String
            public var owner: ParticipantID
            public var dueBy: String
            public init(id: String, action: String, owner: ParticipantID, dueBy: String) {
                self.id = id
                self.action = action
                self.owner = owner
                self.dueBy = dueBy
            }
        }
        public var actions: [Action]
        public init(actions: [Action]) { self.actions = actions }
    }

    public struct FollowUpDone: Codable, Sendable, Equatable {
        public var action: String
        public var note: String
        public init(action: String, note: String) {
            self.action = action
            self.note = note
        }
    }

    public struct Closure: Codable, Sendable, Equatable {
        public var outcome: String
        public init(outcome: String) { self.outcome = outcome }
    }

    public var kind: Kind {
        switch self {
        case .report: .report
        case .notification: .notification
        case .acknowledgement: .acknowledgement
        case .request: .request
        case .response: .response
        case .evidence: .evidence
        case .consultation: .consultation
        case .referral: .referral
        case .attribution: .attribution
        case .statement: .statement
        case .cosignature: .cosignature
        case .resolution: .resolution
        case .followUp: .followUp
        case .followUpDone: .followUpDone
        case .closure: .closure
        }
    }

    public var body: JSONValue {
        get throws {
            switch self {
            case .report(let body): try JSONValue(encoding: body)
            case .notification(let body): try JSONValue(encoding: body)
            case .acknowledgement(let body): try JSONValue(encoding: body)
            case .request(let body): try JSONValue(encoding: body)
            case .response(let body): try JSONValue(encoding: body)
            case .evidence(let body): try JSONValue(encoding: body)
            case .consultation(let body): try JSONValue(encoding: body)
            case .referral(let body): try JSONValue(encoding: body)
            case .attribution(let body): try JSONValue(encoding: body)
            case .statement(let body): try JSONValue(encoding: body)
            case .cosignature(let body): try JSONValue(encoding: body)
            case .resolution(let body): try JSONValue(encoding: body)
            case .followUp(let body): try JSONValue(encoding: body)
            case .followUpDone(let body): try JSONValue(encoding: body)
            case .closure(let body): try JSONValue(encoding: body)
            }
        }
    }

    /// Reads a body of the given kind and validates it.
    public init(kind: Kind, body: JSONValue) throws(DocumentError) {
        do {
            switch kind {
            case .report: self = .report(try body.decoded(as: Report.self))
            case .notification: self = .notification(try body.decoded(as: Notification.self))
            case .acknowledgement: self = .acknowledgement(try body.decoded(as: Acknowledgement.self))
            case .request: self = .request(try body.decoded(as: Request.self))
            case .response: self = .response(try body.decoded(as: Response.self))
            case .evidence: self = .evidence(try body.decoded(as: Evidence.self))
            case .consultation: self = .consultation(try body.decoded(as: Consultation.self))
            case .referral: self = .referral(try body.decoded(as: Referral.self))
            case .attribution: self = .attribution(try body.decoded(as: Attribution.self))
            case .statement: self = .statement(try body.decoded(as: Statement.self))
            case .cosignature: self = .cosignature(try body.decoded(as: Cosignature.self))
            case .resolution: self = .resolution(try body.decoded(as: Resolution.self))
            case .followUp: self = .followUp(try body.decoded(as: FollowUp.self))
            case .followUpDone: self = .followUpDone(try body.decoded(as: FollowUpDone.self))
            case .closure: self = .closure(try body.decoded(as: Closure.self))
            }
        } catch {
            throw .invalid("\(kind.rawValue): \(error.description)")
        }
        try validate()
    }

    public func validate() throws(DocumentError) {
        switch self {
        case .report(let report):
            try Bounds.text(report.title, "title", max: 200)
            try Bounds.text(report.summary, "summary", max: 20_000)
            try Bounds.items(report.sectors, "sectors", max: Sector.allCases.count)
            try Bounds.timestamp(report.firstSeen, "firstSeen")
        case .notification(let notification):
            try Bounds.items(notification.participants, "participants", max: 64)
            try Bounds.text(notification.message, "message", max: 20_000)
            try Bounds.timestamp(notification.respondBy, "respondBy")
        case .acknowledgement(let acknowledgement):
            try Bounds.documentID(acknowledgement.notification, "notification")
        case .request(let request):
            try Bounds.items(request.to, "to", max: 64)
            try Bounds.items(request.asks, "asks", max: Ask.allCases.count)
            try Bounds.text(request.details, "details", max: 20_000)
            try Bounds.timestamp(request.dueBy, "dueBy")
        case .response(let response):
            try Bounds.documentID(response.request, "request")
            try Bounds.text(response.content, "content", max: 100_000, required: response.decision != .declined)
        case .evidence(let evidence):
            try Bounds.text(evidence.description, "description", max: 20_000)
            guard !(evidence.files.isEmpty && evidence.indicators.isEmpty) else { throw .invalid("evidence needs at least one file or indicator") }
            guard evidence.files.count <= 100, evidence.indicators.count <= 1000 else {
                throw .invalid("at most 100 files and 1,000 indicators per event")
            }
            for file in evidence.files {
                try Bounds.text(file.name, "file name", max: 255)
                guard file.sha256.count == 64, file.sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                    throw .invalid("sha256 of \(file.name) must be 64 lowercase hex digits")
                }
            }
            for indicator in evidence.indicators {
                try Bounds.text(indicator.type, "indicator type", max: 64)
                try Bounds.text(indicator.value, "indicator value", max: 2048)
            }
        case .consultation(let consultation):
            try Bounds.items(consultation.with, "with", max: 64)
            try Bounds.timestamp(consultation.heldAt, "heldAt")
            try Bounds.text(consultation.minutes, "minutes", max: 100_000)
            try Bounds.text(consultation.outcome, "outcome", max: 20_000)
        case .referral(let referral):
            try Bounds.text(referral.forum, "forum", max: 200)
            try Bounds.text(referral.reason, "reason", max: 20_000)
        case .attribution(let attribution):
            if attribution.actor.kind == .unknown {
                guard attribution.actor.name.isEmpty else { throw .invalid("an unknown actor has no name") }
            } else {
                try Bounds.text(attribution.actor.name, "actor name", max: 200)
            }
            try Bounds.items(attribution.basis, "basis", max: AttributionBasis.allCases.count)
            try Bounds.text(attribution.summary, "summary", max: 20_000)
        case .statement(let statement):
            try Bounds.text(statement.title, "title", max: 200)
            try Bounds.text(statement.text, "text", max: 50_000)
            if let attribution = statement.attribution { try Bounds.documentID(attribution, "attribution") }
        case .cosignature(let cosignature):
            try Bounds.documentID(cosignature.statement, "statement")
            guard Base64URL.decode(cosignature.signature)?.count == 64 else { throw .invalid("signature must be 64 bytes in base64url") }
        case .resolution(let resolution):
            try Bounds.text(resolution.outcome, "outcome", max: 20_000)
        case .followUp(let followUp):
            try Bounds.items(followUp.actions, "actions", max: 100)
            guard Set(followUp.actions.map(\.id)).count == followUp.actions.count else { throw .invalid("follow-up action ids must be distinct") }
            for action in followUp.actions {
                try Bounds.text(action.id, "action id", max: 64)
                try Bounds.text(action.action, "action", max: 2000)
                try Bounds.timestamp(action.dueBy, "dueBy")
            }
        case .followUpDone(let done):
            try Bounds.text(done.action, "action", max: 64)
            try Bounds.text(done.note, "note", max: 20_000, required: false)
        case .closure(let closure):
            try Bounds.text(closure.outcome, "outcome", max: 20_000)
        }
    }
}
