import Cases
import EntenteProtocol
import Federation
import Foundation
import Storage
import TransparencyLog

/// When an overdue item of this node's is brought to another desk's attention:
/// by default, a request the technical POC has not answered by its due time
/// alerts the diplomatic POC.
public struct CaseEscalationPolicy: Sendable {
    /// Time past the due time before escalating.
    public var after: Duration
    /// Items expected from this desk are escalated…
    public var fromDesk: ResponsibleDesk
    /// …to the people holding this role.
    public var toRole: Role

    public init(after: Duration = .zero, fromDesk: ResponsibleDesk = .technical, toRole: Role = .diplomaticPOC) {
        self.after = after
        self.fromDesk = fromDesk
        self.toRole = toRole
    }
}

/// What a participant does in incident cases, whichever door it comes in by.
/// Each step is checked against the case's state machine, signed, stored with
/// the envelopes that carry it to the other participants, then delivered.
public struct CaseService: Sendable {
    public let identity: LocalIdentity
    public let store: NodeStore
    public let peers: PeerDirectory
    public let outbox: OutboxWorker
    public var speaking = SpeakingPolicy.standard

    /// Opens a case with its report; nobody else hears of it until the owner notifies them.
    public func open(_ report: CaseAction.Report, by person: CaseEvent.Person, now: Date = Date()) async throws -> CaseEvent {
        let event = try signing {
            try CaseEvent.sign(
                .report(report),
                caseID: nil,
                owner: identity.id,
                author: identity.id,
                after: [],
                by: person,
                key: identity.keys.signing,
                now: now
            )
        }
        return try await store.updateCase(event.caseID) { held in
            let state = held.adding([event])
            return (
                state,
                {
                    try await store.recordOutgoing(caseEvents: [event], envelopes: [], now: now)
                    return event
                }
            )
        }
    }

    /// Takes one step in a case, if the state machine allows it now.
    @discardableResult
    public func record(_ action: CaseAction, in caseID: String, by person: CaseEvent.Person, now: Date = Date()) async throws -> CaseEvent {
        let event = try await store.updateCase(caseID) { before in try await write(action, in: before, by: person, now: now) }
        await outbox.wake()
        return event
    }

    private func write(
        _ action: CaseAction,
        in before: CaseState,
        by person: CaseEvent.Person,
        now: Date
    ) async throws -> (state: CaseState, commit: @Sendable () async throws -> CaseEvent) {
        guard let owner = before.owner, before.participants.contains(identity.id) else {
            throw ServiceFailure.notFound("no case \(before.id) on this node")
        }
        try speaking.check(.caseEvent(action.kind), role: person.role)
        try checkDueTimes(of: action, now: now)
        let event = try signing {
            try CaseEvent.sign(
                action,
                caseID: before.id,
                owner: owner,
                author: identity.id,
                after: before.heads,
                by: person,
                key: identity.keys.signing,
                now: now
            )
        }
        var after = before
        do { try after.apply(event) } catch {
            switch error {
            case .invalid(let detail): throw ServiceFailure.invalid(detail)
            case .refused(let detail), .notAParticipant(let detail): throw ServiceFailure.conflict(detail)
            }
        }
        let newcomers = after.participants.filter { !before.participants.contains($0) }
        for participant in after.participants where participant != identity.id {
            guard await peers.peer(participant) != nil else {
                throw ServiceFailure.invalid("\(participant) is not a peer of this node: pin it before writing to it")
            }
        }
        let history = before.timeline.map(\.event) + before.waiting
        var envelopes = try await CaseEnvelopes.seal([event], to: before.participants, state: after, identity: identity, peers: peers, now: now)
        envelopes += try await CaseEnvelopes.seal(history + [event], to: newcomers, state: after, identity: identity, peers: peers, now: now)
        // The event follows every head and is signed now: it sorts last unless a participant
        // dated an event ahead of this node's clock, and then the case is refolded in memory.
        let state = before.adding([event])
        return (
            state,
            { [envelopes] in
                try await store.recordOutgoing(caseEvents: [event], envelopes: envelopes, now: now)
                return event
            }
        )
    }

    /// Co-signs a proposed joint statement with this node's key.
    @discardableResult
    public func cosign(statement statementID: String, in caseID: String, by person: CaseEvent.Person, now: Date = Date()) async throws -> CaseEvent {
        let state = try await state(caseID)
        guard let statement = state.statement(statementID) else { throw ServiceFailure.notFound("no statement \(statementID) in case \(caseID)") }
        let signature = try JointStatement.sign(body: try JointStatement.body(of: statement, in: state), as: identity.id, with: identity.keys)
        return try await record(.cosignature(.init(statement: statementID, signature: signature)), in: caseID, by: person, now: now)
    }

    /// Proposes a joint statement and signs it first.
    public func propose(
        _ statement: CaseAction.Statement,
        in caseID: String,
        by person: CaseEvent.Person,
        now: Date = Date()
    ) async throws -> CaseEvent {
        let event = try await record(.statement(statement), in: caseID, by: person, now: now)
        try await cosign(statement: event.id, in: caseID, by: person, now: now)
        return event
    }

    /// The statement with every co-signature that verifies with its signer's pinned keys.
    public func exportStatement(_ statementID: String, in caseID: String) async throws -> JointStatement {
        let state = try await state(caseID)
        guard let record = state.statement(statementID) else { throw ServiceFailure.notFound("no statement \(statementID) in case \(caseID)") }
        let body = try JointStatement.body(of: record, in: state)
        var signatures: [JointStatement.Signature] = []
        for event in record.cosignatures {
            guard case .cosignature(let cosignature) = event.action, let signature = Base64URL.decode(cosignature.signature) else { continue }
            let keys = event.author == identity.id ? identity.keys.publicKeys : await peers.peer(event.author)?.descriptor.keys
            guard let keys, JointStatement.isValid(signature: signature, body: body, signer: event.author, keys: keys) else { continue }
            signatures.append(.init(participant: event.author, keys: keys, signature: signature))
        }
        guard !signatures.isEmpty else { throw ServiceFailure.conflict("statement \(statementID) has no verifiable co-signature yet") }
        let statement = JointStatement(body: body, signatures: signatures)
        // What this node issues goes on its record, once per set of signatures, so the file can be proved offline.
        try await store.appendToLog([LogEntry(kind: .jointStatement, document: statement.document.canonicalBytes)], now: Date())
        return statement
    }

    public func state(_ caseID: String) async throws -> CaseState {
        let state = try await store.caseState(caseID)
        guard state.stage != nil || !state.waiting.isEmpty else { throw ServiceFailure.notFound("no case \(caseID) on this node") }
        return state
    }

    public func cases(limit: Int = 200) async throws -> [CaseState] {
        var states: [CaseState] = []
        for id in try await store.caseIDs(limit: limit) { states.append(try await store.caseState(id)) }
        return states
    }

    /// Raises an escalation, once, for each item this node owes past its due time plus the policy's grace.
    public func escalateOverdue(_ policy: CaseEscalationPolicy, now: Date = Date()) async throws -> [CaseEscalation] {
        let threshold = now.unixMilliseconds - Int64(policy.after.components.seconds * 1000)
        var raised: [CaseEscalation] = []
        for state in try await cases(limit: 1000) where state.isOpen {
            for item in state.dueItems where item.owedBy == identity.id && item.desk == policy.fromDesk && item.isOverdue(atMilliseconds: threshold) {
                let escalation = CaseEscalation(
                    itemID: item.id,
                    caseID: state.id,
                    owedBy: item.owedBy.rawValue,
                    dueAt: Date(unixMilliseconds: Timestamp.milliseconds(item.dueBy) ?? 0),
                    raisedAt: now,
                    summary:
                        "\(item.summary) — asked by \(item.askedBy) in “\(state.title)”, due \(item.dueBy), not answered by the \(policy.fromDesk.rawValue) desk"
                )
                if try await store.raiseEscalation(escalation) { raised.append(escalation) }
            }
        }
        return raised
    }

    private func checkDueTimes(of action: CaseAction, now: Date) throws {
        let dueTimes: [String] =
            switch action {
            case .notification(let notification): [notification.respondBy]
            case .request(let request): [request.dueBy]
            case .followUp(let followUp): followUp.actions.map(\.dueBy)
            default: []
            }
        for due in dueTimes where (Timestamp.milliseconds(due) ?? 0) <= now.unixMilliseconds {
            throw ServiceFailure.invalid("due time \(due) is not in the future")
        }
    }

    private func signing(_ body: () throws -> CaseEvent) throws -> CaseEvent {
        do { return try body() } catch let error as DocumentError { throw ServiceFailure.invalid(error.description) }
    }
}
