import EntenteProtocol

/// Where a case stands in its life cycle. The order of the cases is the order of the stages.
public enum CaseStage: String, Sendable, Codable, CaseIterable, Comparable {
    case reported, notified
    case inConsultation = "in-consultation"
    case referred, resolved
    case followUp = "follow-up"
    case closed

    public var label: String {
        switch self {
        case .reported: "Reported"
        case .notified: "Notified"
        case .inConsultation: "In consultation"
        case .referred: "Referred to a forum"
        case .resolved: "Resolved"
        case .followUp: "Follow-up"
        case .closed: "Closed"
        }
    }

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// The five steps of the diplomatic response to an incident, under which the timeline is shown.
public enum CaseStep: Int, Sendable, CaseIterable {
    case contact = 1
    case consultation, multilateral, agreement, followUp

    public var label: String {
        switch self {
        case .contact: "1. Contact through the Points of Contact"
        case .consultation: "2. Bilateral consultation and cooperation"
        case .multilateral: "3. Multilateral forum"
        case .agreement: "4. Agreement"
        case .followUp: "5. Follow-up"
        }
    }

    init(_ kind: CaseAction.Kind) {
        switch kind {
        case .report, .notification, .acknowledgement: self = .contact
        case .request, .response, .evidence, .consultation: self = .consultation
        case .referral, .attribution, .statement, .cosignature: self = .multilateral
        case .resolution: self = .agreement
        case .followUp, .followUpDone, .closure: self = .followUp
        }
    }
}

/// A case as computed from its events: a pure function of the set of events,
/// identical on every participant's node whatever order they arrived in.
public struct CaseState: Sendable, Equatable {
    public struct TimelineEntry: Sendable, Equatable {
        public let event: CaseEvent
        public let step: CaseStep
        /// Why the event had no effect (an impossible step); nil if it was applied.
        public let refusal: String?
    }

    public struct NotificationRecord: Sendable, Equatable {
        public let event: CaseEvent
        public let notification: CaseAction.Notification
        public var acknowledgedBy: [ParticipantID: CaseEvent] = [:]
    }

    public struct RequestRecord: Sendable, Equatable {
        public let event: CaseEvent
        public let request: CaseAction.Request
        public var responses: [(event: CaseEvent, response: CaseAction.Response)] = []

        public func answered(by participant: ParticipantID) -> Bool { responses.contains { $0.event.author == participant } }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.event == rhs.event && lhs.responses.map(\.event) == rhs.responses.map(\.event)
        }
    }

    public struct StatementRecord: Sendable, Equatable {
        public let event: CaseEvent
        public let statement: CaseAction.Statement
        /// Co-signatures in the order they were applied.
        public var cosignatures: [CaseEvent] = []
        public var signers: [ParticipantID] { cosignatures.map(\.author) }
    }

    public struct ActionRecord: Sendable, Equatable {
        public let agreedIn: CaseEvent
        public let action: CaseAction.FollowUp.Action
        public var done: CaseEvent?
    }

    public let id: String
    public private(set) var report: CaseAction.Report?
    public private(set) var owner: ParticipantID?
    public private(set) var stage: CaseStage?
    public private(set) var participants: [ParticipantID] = []
    public private(set) var notifications: [NotificationRecord] = []
    public private(set) var requests: [RequestRecord] = []
    public private(set) var evidence: [(event: CaseEvent, evidence: CaseAction.Evidence)] = []
    public private(set) var consultations: [(event: CaseEvent, consultation: CaseAction.Consultation)] = []
    public private(set) var referrals: [(event: CaseEvent, referral: CaseAction.Referral)] = []
    public private(set) var attributions: [(event: CaseEvent, attribution: CaseAction.Attribution)] = []
    public private(set) var statements: [StatementRecord] = []
    public private(set) var resolution: (event: CaseEvent, resolution: CaseAction.Resolution)?
    public private(set) var actions: [ActionRecord] = []
    public private(set) var closure: (event: CaseEvent, closure: CaseAction.Closure)?
    public private(set) var timeline: [TimelineEntry] = []
    /// Events held back because an event they follow has not arrived yet.
    public private(set) var waiting: [CaseEvent] = []
    /// The ids in the timeline, and the greatest (time, id) among them: what decides
    /// whether a new event can be placed last without recomputing the order.
    private var placed: Set<String> = []
    private var latestKey: CaseEvent.OrderKey?

    public init(id: String) { self.id = id }

    /// The state after all of `events`, in the case's canonical order (`CaseLog`).
    public init(id: String, events: some Sequence<CaseEvent>) {
        self.init(id: id)
        let log = CaseLog(events.filter { $0.caseID == id })
        for event in log.ordered { place(event) }
        waiting = log.waiting
    }

    /// The state after `events` as well, computed from this one without going over the
    /// events already held — or nil when that is not possible and the state must be
    /// recomputed from every event. It is possible when nothing waits and each new event
    /// follows only events already placed and sorts after all of them: the canonical
    /// order (`CaseLog`) then puts it last, so applying it last gives the same state.
    public func extended(with events: [CaseEvent]) -> CaseState? {
        guard waiting.isEmpty else { return nil }
        var state = self
        for event in events {
            guard event.caseID == id, !state.placed.contains(event.id), event.after.allSatisfy(state.placed.contains),
                state.latestKey.map({ $0 < event.orderKey }) ?? true
            else { return nil }
            state.place(event)
        }
        return state
    }

    /// The state after `events` as well: extended from this one where the canonical order
    /// puts them last, else refolded from the events this state holds and the new ones.
    public func adding(_ events: [CaseEvent]) -> CaseState {
        extended(with: events) ?? CaseState(id: id, events: timeline.map(\.event) + waiting + events)
    }

    /// Applies `event` next in the timeline, or records why it had no effect.
    private mutating func place(_ event: CaseEvent) {
        var refusal: String?
        do { try apply(event) } catch { refusal = error.description }
        timeline.append(TimelineEntry(event: event, step: CaseStep(event.action.kind), refusal: refusal))
        placed.insert(event.id)
        latestKey = max(latestKey ?? event.orderKey, event.orderKey)
    }

    public var title: String { report?.title ?? "(report not yet received)" }
    public var tlp: TLP { report?.tlp ?? .red }
    public var exercise: Bool { report?.exercise ?? false }
    public var isOpen: Bool { stage != nil && stage != .closed }
    /// The newest events: what the next event follows.
    public var heads: [String] { CaseLog.heads(of: timeline.map(\.event)) }

    public func statement(_ id: String) -> StatementRecord? { statements.first { $0.event.id == id } }
    public func attribution(_ id: String) -> (event: CaseEvent, attribution: CaseAction.Attribution)? {
        attributions.first { $0.event.id == id }
    }

    /// Applies one event, or refuses it with the reason it is impossible now.
    public mutating func apply(_ event: CaseEvent) throws(DocumentError) {
        guard event.caseID == id else { throw .invalid("event \(event.id) belongs to case \(event.caseID), not \(id)") }
        if case .report(let report) = event.action {
            guard stage == nil else { throw .refused("the case already has its report") }
            self.report = report
            owner = event.author
            participants = [event.author]
            stage = .reported
            return
        }
        guard let stage, let owner else { throw .refused("the case has no report yet") }
        guard event.owner == owner else { throw .invalid("event \(event.id) names \(event.owner) as owner; the case's owner is \(owner)") }
        guard participants.contains(event.author) else { throw .notAParticipant("\(event.author) is not a participant of this case") }
        guard stage != .closed else { throw .refused("the case is closed") }
        let author = event.author

        switch event.action {
        case .report:
            preconditionFailure("handled above")
        case .notification(let notification):
            guard author == owner else { throw .refused("only the case's owner, \(owner), invites participants") }
            let newcomers = notification.participants.filter { !participants.contains($0) }
            guard newcomers.count == notification.participants.count else {
                throw .refused("\(notification.participants.filter(participants.contains).map(\.rawValue).joined(separator: ", ")) already take part")
            }
            participants += newcomers
            notifications.append(NotificationRecord(event: event, notification: notification))
            self.stage = max(stage, .notified)
        case .acknowledgement(let acknowledgement):
            guard let index = notifications.firstIndex(where: { $0.event.id == acknowledgement.notification }) else {
                throw .refused("no notification \(acknowledgement.notification) in this case")
            }
            guard notifications[index].notification.participants.contains(author) else {
                throw .refused("that notification was not addressed to \(author)")
            }
            guard notifications[index].acknowledgedBy[author] == nil else { throw .refused("\(author) already acknowledged that notification") }
            notifications[index].acknowledgedBy[author] = event
        case .request(let request):
            try require(stage >= .notified, "requests follow the notification of the other participants")
            let strangers = request.to.filter { !participants.contains($0) || $0 == author }
            guard strangers.isEmpty else {
                throw .refused("a request goes to other participants of the case; not to \(strangers.map(\.rawValue).joined(separator: ", "))")
            }
            requests.append(RequestRecord(event: event, request: request))
        case .response(let response):
            guard let index = requests.firstIndex(where: { $0.event.id == response.request }) else {
                throw .refused("no request \(response.request) in this case")
            }
            guard requests[index].request.to.contains(author) else { throw .refused("that request was not addressed to \(author)") }
            requests[index].responses.append((event, response))
        case .evidence(let evidence):
            self.evidence.append((event, evidence))
        case .consultation(let consultation):
            try require(stage >= .notified && stage < .resolved, "consultations take place between notification and resolution")
            let strangers = consultation.with.filter { !participants.contains($0) }
            guard strangers.isEmpty else { throw .refused("\(strangers.map(\.rawValue).joined(separator: ", ")) do not take part in the case") }
            consultations.append((event, consultation))
            self.stage = max(stage, .inConsultation)
        case .referral(let referral):
            try require(stage >= .notified && stage < .resolved, "a case is referred to a forum after notification and before resolution")
            referrals.append((event, referral))
            self.stage = .referred
        case .attribution(let attribution):
            attributions.append((event, attribution))
        case .statement(let statement):
            if let reference = statement.attribution, self.attribution(reference) == nil {
                throw .refused("no attribution assessment \(reference) in this case")
            }
            statements.append(StatementRecord(event: event, statement: statement))
        case .cosignature(let cosignature):
            guard let index = statements.firstIndex(where: { $0.event.id == cosignature.statement }) else {
                throw .refused("no statement \(cosignature.statement) in this case")
            }
            guard !statements[index].signers.contains(author) else { throw .refused("\(author) already co-signed that statement") }
            statements[index].cosignatures.append(event)
        case .resolution(let resolution):
            guard author == owner else { throw .refused("only the case's owner, \(owner), records its resolution") }
            try require(stage >= .notified && stage < .resolved, "a case is resolved after notification, once")
            self.resolution = (event, resolution)
            self.stage = .resolved
        case .followUp(let followUp):
            try require(stage >= .notified, "follow-up is agreed with other participants, after notification")
            let strangers = followUp.actions.map(\.owner).filter { !participants.contains($0) }
            guard strangers.isEmpty else { throw .refused("\(strangers.map(\.rawValue).joined(separator: ", ")) do not take part in the case") }
            let taken = followUp.actions.map(\.id).filter { id in actions.contains { $0.action.id == id } }
            guard taken.isEmpty else { throw .refused("follow-up action ids already used: \(taken.joined(separator: ", "))") }
            actions += followUp.actions.map { ActionRecord(agreedIn: event, action: $0) }
            if stage == .resolved { self.stage = .followUp }
        case .followUpDone(let done):
            guard let index = actions.firstIndex(where: { $0.action.id == done.action }) else { throw .refused("no follow-up action \(done.action)") }
            guard actions[index].action.owner == author else { throw .refused("action \(done.action) is owned by \(actions[index].action.owner)") }
            guard actions[index].done == nil else { throw .refused("action \(done.action) is already done") }
            actions[index].done = event
        case .closure(let closure):
            guard author == owner else { throw .refused("only the case's owner, \(owner), closes it") }
            try require(stage >= .resolved, "a case is closed after its resolution")
            let open = actions.filter { $0.done == nil }
            guard open.isEmpty else {
                throw .refused("\(open.count) follow-up action(s) still open: \(open.map(\.action.id).joined(separator: ", "))")
            }
            self.closure = (event, closure)
            self.stage = .closed
        }
    }

    private func require(_ condition: Bool, _ rule: String) throws(DocumentError) {
        guard condition else { throw .refused("not possible while the case is \(stage?.label.lowercased() ?? "unreported"): \(rule)") }
    }

    /// What `participant` may do next: the steps the state machine would accept from it.
    public func possibleActions(for participant: ParticipantID) -> [CaseAction.Kind] {
        guard let stage, let owner, stage != .closed, participants.contains(participant) else { return [] }
        let isOwner = participant == owner
        var kinds: [CaseAction.Kind] = []
        if isOwner { kinds.append(.notification) }
        if notifications.contains(where: { $0.notification.participants.contains(participant) && $0.acknowledgedBy[participant] == nil }) {
            kinds.append(.acknowledgement)
        }
        if stage >= .notified { kinds.append(.request) }
        if requests.contains(where: { $0.request.to.contains(participant) }) { kinds.append(.response) }
        kinds.append(.evidence)
        if stage >= .notified && stage < .resolved { kinds += [.consultation, .referral] }
        kinds += [.attribution, .statement]
        if statements.contains(where: { !$0.signers.contains(participant) }) { kinds.append(.cosignature) }
        if isOwner && stage >= .notified && stage < .resolved { kinds.append(.resolution) }
        if stage >= .notified { kinds.append(.followUp) }
        if actions.contains(where: { $0.action.owner == participant && $0.done == nil }) { kinds.append(.followUpDone) }
        if isOwner && stage >= .resolved && actions.allSatisfy({ $0.done != nil }) { kinds.append(.closure) }
        return kinds
    }

    /// Something a participant owes in this case, with its due time.
    public struct DueItem: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case acknowledgement, response
            case followUp = "follow-up"
        }
        /// Stable across nodes: the event that asked, plus who owes the answer.
        public let id: String
        public let kind: Kind
        public let eventID: String
        public let askedBy: ParticipantID
        public let owedBy: ParticipantID
        public let dueBy: String
        public let desk: ResponsibleDesk
        public let summary: String

        public func isOverdue(atMilliseconds now: Int64) -> Bool { (Timestamp.milliseconds(dueBy) ?? .max) < now }
    }

    /// Everything still owed: acknowledgements of notifications, responses to requests, follow-up actions.
    public var dueItems: [DueItem] {
        guard isOpen else { return [] }
        var items: [DueItem] = []
        for record in notifications {
            for participant in record.notification.participants where record.acknowledgedBy[participant] == nil {
                items.append(
                    DueItem(
                        id: "\(record.event.id)/\(participant)",
                        kind: .acknowledgement,
                        eventID: record.event.id,
                        askedBy: record.event.author,
                        owedBy: participant,
                        dueBy: record.notification.respondBy,
                        desk: .diplomatic,
                        summary: "Acknowledge the notification of “\(title)”"
                    )
                )
            }
        }
        for record in requests {
            for participant in record.request.to where !record.answered(by: participant) {
                items.append(
                    DueItem(
                        id: "\(record.event.id)/\(participant)",
                        kind: .response,
                        eventID: record.event.id,
                        askedBy: record.event.author,
                        owedBy: participant,
                        dueBy: record.request.dueBy,
                        desk: record.request.desk,
                        summary: "Answer the request for \(record.request.asks.map(\.rawValue).joined(separator: ", "))"
                    )
                )
            }
        }
        for record in actions where record.done == nil {
            items.append(
                DueItem(
                    id: "\(record.agreedIn.id)/\(record.action.id)",
                    kind: .followUp,
                    eventID: record.agreedIn.id,
                    askedBy: record.agreedIn.author,
                    owedBy: record.action.owner,
                    dueBy: record.action.dueBy,
                    desk: .diplomatic,
                    summary: record.action.action
                )
            )
        }
        return items.sorted { ($0.dueBy, $0.id) < ($1.dueBy, $1.id) }
    }

    public static func == (lhs: CaseState, rhs: CaseState) -> Bool {
        lhs.id == rhs.id && lhs.stage == rhs.stage && lhs.participants == rhs.participants
            && lhs.timeline == rhs.timeline && lhs.waiting.map(\.id) == rhs.waiting.map(\.id)
            && lhs.notifications == rhs.notifications && lhs.requests == rhs.requests && lhs.statements == rhs.statements
            && lhs.actions == rhs.actions && lhs.dueItems == rhs.dueItems
    }
}
