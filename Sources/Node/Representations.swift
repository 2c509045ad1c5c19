import EntenteProtocol
import Federation
import Foundation
import Hotline
import Storage

/// The API's JSON for the node's records. Field names are part of the API contract (openapi.json).
enum Representation {
    static func message(_ message: StoredMessage, now: Date) throws -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(message.id),
            "direction": .string(message.direction == .incoming ? "incoming" : "outgoing"),
            "from": .string(message.sender),
            "to": .array(message.recipients.map(JSONValue.string)),
            "template": .string(message.content.template.rawValue),
            "priority": .string(message.content.priority.rawValue),
            "subject": .string(message.content.subject),
            "body": .string(message.content.body),
            "language": .string(message.content.language),
            "fields": try JSONValue(encoding: message.content.fields),
            "attachments": try JSONValue(encoding: message.content.attachments),
            "caseReference": message.content.caseReference.map(JSONValue.string) ?? .null,
            "inReplyTo": message.content.inReplyTo.map(JSONValue.string) ?? .null,
            "tlp": .string(message.tlp.rawValue),
            "exercise": .bool(message.exercise),
            "withheld": .bool(message.isWithheld),
            "sentAt": .string(Timestamp.format(message.sentAt)),
            "receivedAt": .string(Timestamp.format(message.receivedAt)),
            "acknowledgeBy": .string(Timestamp.format(message.acknowledgeBy)),
            "state": .string(message.acknowledgementState(now: now).rawValue),
            "overdue": .bool(message.acknowledgementState(now: now) == .overdue),
            "acknowledged": .bool(message.acknowledgementState(now: now) == .acknowledged),
            "acknowledgedAt": message.acknowledgedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "acknowledgedBy": message.acknowledgedBy.map(JSONValue.string) ?? .null,
        ]
        if message.direction == .outgoing {
            members["deliveries"] = .array(
                message.deliveries.map { delivery in
                    [
                        "recipient": .string(delivery.recipient),
                        "deliveredAt": delivery.deliveredAt.map { .string(Timestamp.format($0)) } ?? .null,
                        "acknowledgedAt": delivery.acknowledgedAt.map { .string(Timestamp.format($0)) } ?? .null,
                        "acknowledgedBy": delivery.acknowledgedBy.map(JSONValue.string) ?? .null,
                        "receipt": delivery.receipt.flatMap { try? JSONValue(parsing: $0) } ?? .null,
                    ]
                }
            )
        }
        return .object(members)
    }

    static func peer(_ peer: PeerDirectory.Peer) throws -> JSONValue {
        [
            "id": .string(peer.record.id.rawValue),
            "name": .string(peer.record.name),
            "kind": .string(peer.record.kind.rawValue),
            "endpoint": .string(peer.record.endpoint),
            "fingerprint": .string(peer.descriptor.keys.fingerprint.description),
            "pointsOfContact": try JSONValue(encoding: peer.descriptor.pointsOfContact),
            "pinnedAt": .string(Timestamp.format(peer.record.pinnedAt)),
            "updatedAt": .string(Timestamp.format(peer.record.updatedAt)),
        ]
    }

    static func descriptorPreview(_ descriptor: NodeDescriptor) throws -> JSONValue {
        [
            "id": .string(descriptor.id.rawValue),
            "name": .string(descriptor.name),
            "kind": .string(descriptor.kind.rawValue),
            "endpoint": .string(descriptor.endpoint),
            "fingerprint": .string(descriptor.keys.fingerprint.description),
            "pointsOfContact": try JSONValue(encoding: descriptor.pointsOfContact),
        ]
    }

    static func alert(_ alert: KeyAlert) -> JSONValue {
        [
            "id": .string(alert.id), "peer": .string(alert.peer), "raisedAt": .string(Timestamp.format(alert.raisedAt)),
            "offeredFingerprint": .string(Fingerprint(alert.offeredFingerprint)?.description ?? alert.offeredFingerprint),
            "detail": .string(alert.detail), "count": .number(Double(alert.count)), "lastRaisedAt": .string(Timestamp.format(alert.lastRaisedAt)),
        ]
    }

    static func pendingChange(_ change: PendingPeerChange) -> JSONValue {
        let offered = try? NodeDescriptor(verifying: JSONValue(parsing: change.descriptor))
        return [
            "peer": .string(change.peer), "summary": .string(change.summary), "offeredAt": .string(Timestamp.format(change.offeredAt)),
            "endpoint": offered.map { .string($0.endpoint) } ?? .null,
            "fingerprint": offered.map { .string($0.keys.fingerprint.description) } ?? .null,
        ]
    }

    static func checkReport(_ report: CheckReport) -> JSONValue {
        func milliseconds(_ duration: Duration?) -> JSONValue {
            duration.map { .number(Double($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)) } ?? .null
        }
        func summary(_ row: CheckReport.Participant) -> JSONValue {
            var members: [String: JSONValue] = [
                "peer": .string(row.peer),
                "checks": .number(Double(row.checks)),
                "reached": .number(Double(row.reached)),
                "answered": .number(Double(row.answered)),
                "reachability": .number(row.reachability),
                "medianRoundTripMs": milliseconds(row.medianRoundTrip),
                "medianTimeToAnswerMs": milliseconds(row.medianTimeToAnswer),
                "lastCheckAt": row.lastCheckAt.map { .string(Timestamp.format($0)) } ?? .null,
            ]
            if let day = row.day { members["day"] = .string(day) }
            return .object(members)
        }
        return [
            "participants": .array(report.participants.map(summary)),
            "days": .array(report.days.map(summary)),
            "checks": .array(
                report.checks.map { check in
                    [
                        "id": .string(check.messageID), "peer": .string(check.peer), "sentAt": .string(Timestamp.format(check.sentAt)),
                        "roundTripMs": milliseconds(check.roundTrip), "timeToAnswerMs": milliseconds(check.timeToAnswer),
                    ]
                }
            ),
        ]
    }
}
