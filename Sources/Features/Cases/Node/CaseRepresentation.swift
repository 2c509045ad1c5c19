import Cases
import EntenteProtocol
import Foundation
import Storage

/// TLP for people in cases: a case marked TLP:RED is for the Points of Contact only, and so is
/// evidence a participant marked RED inside a less sensitive case (docs/SECURITY.md).
enum CaseReading {
    static let withheldTitle = "Withheld: TLP:RED case, for the Points of Contact only"

    static func mayRead(_ event: CaseEvent, _ role: Role) -> Bool {
        if case .evidence(let evidence) = event.action { return role.mayRead(evidence.tlp) }
        return true
    }

    /// Refuses a case whose own marking the role may not read.
    static func check(_ state: CaseState, _ role: Role) throws {
        guard role.mayRead(state.tlp) else {
            throw ServiceFailure.forbidden("case \(state.id) is TLP:RED: it is shown to this node's Points of Contact only")
        }
    }
}

/// The API's JSON for cases (openapi.json, `Case`, `CaseSummary`).
enum CaseRepresentation {
    static func summary(_ state: CaseState, now: Date, role: Role) -> JSONValue {
        let due = state.dueItems
        return [
            "id": .string(state.id),
            "title": .string(role.mayRead(state.tlp) ? state.title : CaseReading.withheldTitle),
            "owner": state.owner.map { .string($0.rawValue) } ?? .null,
            "stage": state.stage.map { .string($0.rawValue) } ?? .null,
            "tlp": .string(state.tlp.rawValue),
            "exercise": .bool(state.exercise),
            "participants": .array(state.participants.map { .string($0.rawValue) }),
            "open": .number(Double(due.count)),
            "overdue": .number(Double(due.filter { $0.isOverdue(atMilliseconds: now.unixMilliseconds) }.count)),
        ]
    }

    /// The whole case as `role` may read it: the caller has checked the case's own marking.
    static func full(_ state: CaseState, for participant: ParticipantID, escalations: [CaseEscalation], now: Date, role: Role) throws -> JSONValue {
        guard case .object(var members) = summary(state, now: now, role: role) else { preconditionFailure("an object") }
        members["report"] = try state.report.map { try JSONValue(encoding: $0) } ?? .null
        members["timeline"] = .array(
            state.timeline.map { entry in
                event(entry.event, role: role).merging([
                    "step": .number(Double(entry.step.rawValue)), "refusal": entry.refusal.map(JSONValue.string) ?? .null,
                ])
            }
        )
        members["waiting"] = .array(state.waiting.map { event($0, role: role) })
        members["due"] = .array(
            state.dueItems.map { item in
                [
                    "id": .string(item.id), "kind": .string(item.kind.rawValue), "event": .string(item.eventID),
                    "askedBy": .string(item.askedBy.rawValue), "owedBy": .string(item.owedBy.rawValue), "dueBy": .string(item.dueBy),
                    "desk": .string(item.desk.rawValue), "summary": .string(item.summary),
                    "overdue": .bool(item.isOverdue(atMilliseconds: now.unixMilliseconds)),
                ]
            }
        )
        members["statements"] = .array(
            state.statements.map { record in
                [
                    "id": .string(record.event.id), "title": .string(record.statement.title), "text": .string(record.statement.text),
                    "proposedBy": .string(record.event.author.rawValue), "attribution": record.statement.attribution.map(JSONValue.string) ?? .null,
                    "signers": .array(record.signers.map { .string($0.rawValue) }),
                ]
            }
        )
        members["escalations"] = .array(escalations.map(escalation))
        members["possibleActions"] = .array(state.possibleActions(for: participant).map { .string($0.rawValue) })
        return .object(members)
    }

    static func event(_ event: CaseEvent, role: Role) -> JSONValue {
        [
            "id": .string(event.id),
            "kind": .string(event.action.kind.rawValue),
            "author": .string(event.author.rawValue),
            "by": ["name": .string(event.by.name), "role": .string(event.by.role)],
            "at": .string(event.at),
            "body": CaseReading.mayRead(event, role) ? event.document["body"] ?? .null : ["withheld": "TLP:RED, for the Points of Contact only"],
        ]
    }

    static func escalation(_ escalation: CaseEscalation) -> JSONValue {
        [
            "item": .string(escalation.itemID), "case": .string(escalation.caseID), "owedBy": .string(escalation.owedBy),
            "dueAt": .string(Timestamp.format(escalation.dueAt)), "raisedAt": .string(Timestamp.format(escalation.raisedAt)),
            "summary": .string(escalation.summary),
        ]
    }
}

extension JSONValue {
    func merging(_ other: [String: JSONValue]) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members.merge(other) { _, new in new }
        return .object(members)
    }
}
