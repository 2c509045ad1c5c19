import Cases
import EntenteProtocol
import Foundation
import Storage

/// The API's JSON for cases (openapi.json, `Case`, `CaseSummary`).
enum CaseRepresentation {
    static func summary(_ state: CaseState, now: Date) -> JSONValue {
        let due = state.dueItems
        return [
            "id": .string(state.id),
            "title": .string(state.title),
            "owner": state.owner.map { .string($0.rawValue) } ?? .null,
            "stage": state.stage.map { .string($0.rawValue) } ?? .null,
            "tlp": .string(state.tlp.rawValue),
            "exercise": .bool(state.exercise),
            "participants": .array(state.participants.map { .string($0.rawValue) }),
            "open": .number(Double(due.count)),
            "overdue": .number(Double(due.filter { $0.isOverdue(atMilliseconds: now.unixMilliseconds) }.count)),
        ]
    }

    static func full(_ state: CaseState, for participant: ParticipantID, escalations: [CaseEscalation], now: Date) throws -> JSONValue {
        guard case .object(var members) = summary(state, now: now) else { preconditionFailure("an object") }
        members["report"] = try state.report.map { try JSONValue(encoding: $0) } ?? .null
        members["timeline"] = .array(state.timeline.map { entry in
            event(entry.event).merging(["step": .number(Double(entry.step.rawValue)), "refusal": entry.refusal.map(JSONValue.string) ?? .null])
        })
        members["waiting"] = .array(state.waiting.map(event))
        members["due"] = .array(state.dueItems.map { item in
            [
                "id": .string(item.id), "kind": .string(item.kind.rawValue), "event": .string(item.eventID),
                "askedBy": .string(item.askedBy.rawValue), "owedBy": .string(item.owedBy.rawValue), "dueBy": .string(item.dueBy),
                "desk": .string(item.desk.rawValue), "summary": .string(item.summary),
                "overdue": .bool(item.isOverdue(atMilliseconds: now.unixMilliseconds)),
            ]
        })
        members["statements"] = .array(state.statements.map { record in
            [
                "id": .string(record.event.id), "title": .string(record.statement.title), "text": .string(record.statement.text),
                "proposedBy": .string(record.event.author.rawValue), "attribution": record.statement.attribution.map(JSONValue.string) ?? .null,
                "signers": .array(record.signers.map { .string($0.rawValue) }),
            ]
        })
        members["escalations"] = .array(escalations.map(escalation))
        members["possibleActions"] = .array(state.possibleActions(for: participant).map { .string($0.rawValue) })
        return .object(members)
    }

    static func event(_ event: CaseEvent) -> JSONValue {
        [
            "id": .string(event.id),
            "kind": .string(event.action.kind.rawValue),
            "author": .string(event.author.rawValue),
            "by": ["name": .string(event.by.name), "role": .string(event.by.role)],
            "at": .string(event.at),
            "body": event.document["body"] ?? .null,
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
