import EntenteProtocol
import Foundation
import Multilateral

/// The JSON the API returns for the multilateral record (docs/openapi.json).
enum RecordRepresentation {
    static func entry(_ entry: RecordEntry) -> JSONValue {
        [
            "id": .string(entry.id), "space": .string(entry.space.description), "kind": .string(entry.kind.rawValue),
            "author": .string(entry.author.rawValue), "at": .string(entry.at),
            "by": ["name": .string(entry.by.name), "role": .string(entry.by.role)], "body": entry.body,
        ]
    }

    static func refusals(_ refusals: [ForumState.Refusal]) -> JSONValue {
        .array(refusals.map { ["entry": .string($0.entry.id), "author": .string($0.entry.author.rawValue), "reason": .string($0.reason)] })
    }

    static func forumSummary(_ forum: ForumState) -> JSONValue {
        [
            "id": .string(forum.id), "name": .string(forum.name), "host": .string(forum.host?.rawValue ?? ""),
            "members": .array(forum.members.map { .string($0.rawValue) }), "proposals": .number(Double(forum.proposals.count)),
        ]
    }

    static func forum(_ forum: ForumState, now: Date) throws -> JSONValue {
        guard case .object(var members) = forumSummary(forum) else { preconditionFailure("an object") }
        members["mandate"] = .string(forum.charter?.mandate ?? "")
        members["proposals"] = .array(try forum.proposals.map { try proposal($0, in: forum, now: now) })
        members["refusals"] = refusals(forum.refusals)
        return .object(members)
    }

    static func proposal(_ proposal: ForumState.ProposalRecord, in forum: ForumState, now: Date) throws -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(proposal.id), "title": .string(proposal.proposal.title), "category": .string(proposal.proposal.category.rawValue),
            "tabledBy": .string(proposal.entry.author.rawValue), "tabledAt": .string(proposal.entry.at),
            "currentVersion": .number(Double(proposal.current.number)),
            "versions": .array(
                proposal.versions.map { version in
                    [
                        "number": .number(Double(version.number)), "text": .string(version.text), "digest": .string(version.digest),
                        "source": .string(version.source.id),
                    ]
                }
            ),
            "amendments": .array(
                proposal.amendments.map { record in
                    [
                        "id": .string(record.entry.id), "by": .string(record.entry.author.rawValue),
                        "baseVersion": .number(Double(record.amendment.baseVersion)),
                        "text": .string(record.amendment.text), "rationale": .string(record.amendment.rationale),
                        "status": .string(record.status.rawValue),
                    ]
                }
            ),
        ]
        if let caseReference = proposal.proposal.caseReference { members["caseReference"] = .string(caseReference) }
        if let call = proposal.call {
            var vote: [String: JSONValue] = [
                "call": .string(call.entry.id), "version": .number(Double(call.call.version)), "textDigest": .string(call.call.textDigest),
                "rule": try JSONValue(encoding: call.call.rule), "deadline": .string(call.call.deadline),
                "open": .bool(now.unixMilliseconds <= call.call.deadlineMilliseconds),
                "ballots": .array(
                    proposal.ballots.map {
                        [
                            "id": .string($0.id), "voter": .string($0.author.rawValue), "at": .string($0.at),
                            "choice": $0.body["choice"] ?? .null,
                        ]
                    }
                ),
            ]
            if let tally = proposal.tally(members: forum.members) { vote["tally"] = try JSONValue(encoding: tally) }
            if let result = proposal.result {
                vote["result"] = [
                    "id": .string(result.entry.id), "publishedAt": .string(result.entry.at), "outcome": .string(result.tally.outcome.rawValue),
                ]
            }
            members["vote"] = .object(vote)
        }
        return .object(members)
    }

    static func agreement(_ state: AgreementState) throws -> JSONValue {
        guard let agreement = state.agreement, let entry = state.entry else { return .null }
        return [
            "id": .string(state.id), "title": .string(agreement.title), "text": .string(agreement.text), "proposedBy": .string(entry.author.rawValue),
            "parties": .array(state.parties.map { .string($0.rawValue) }), "obligations": try JSONValue(encoding: agreement.obligations),
            "digest": .string(state.digest ?? ""), "signedBy": .array(state.signedBy.map { .string($0.rawValue) }),
            "inForce": .bool(state.isInForce), "inForceSince": state.inForceSince.map(JSONValue.string) ?? .null,
            "refusals": refusals(state.refusals),
        ]
    }

    static func norms(_ record: PublicRecord, participants: [ParticipantID]) throws -> JSONValue {
        let matrix = NormsMatrix(record: record, participants: participants)
        return [
            "norms": try JSONValue(encoding: matrix.norms),
            "matrix": .array(
                matrix.participants.map { participant in
                    [
                        "participant": .string(participant.rawValue),
                        "norms": .object(
                            Dictionary(
                                uniqueKeysWithValues: matrix.norms.compactMap { norm -> (String, JSONValue)? in
                                    let cell = matrix.cell(participant, norm.code)
                                    guard cell.commitment != nil || !cell.allegations.isEmpty else { return nil }
                                    var value: [String: JSONValue] = [
                                        "allegedBreaches": .array(
                                            cell.allegations.map { allegation in
                                                [
                                                    "case": .string(allegation.body.caseReference), "by": .string(allegation.author.rawValue),
                                                    "note": .string(allegation.body.note),
                                                ]
                                            }
                                        )
                                    ]
                                    if let commitment = cell.commitment {
                                        value["committed"] = ["date": .string(commitment.body.date), "document": .string(commitment.body.document)]
                                    }
                                    return (norm.code, .object(value))
                                }
                            )
                        ),
                    ]
                }
            ),
            "refusals": refusals(record.refusals),
        ]
    }

    static func measures(_ record: PublicRecord, participants: [ParticipantID], checks: CheckReport) throws -> JSONValue {
        [
            "measures": try JSONValue(encoding: MeasureCatalogue.shipped),
            "status": .array(
                participants.map { participant in
                    [
                        "participant": .string(participant.rawValue),
                        "measures": .object(
                            Dictionary(
                                uniqueKeysWithValues: MeasureCatalogue.shipped.compactMap { measure -> (String, JSONValue)? in
                                    guard let status = record.status(of: participant, measure: measure.number) else { return nil }
                                    return (
                                        String(measure.number),
                                        [
                                            "status": .string(status.body.status.rawValue), "evidence": .string(status.body.evidence),
                                            "at": .string(status.entry.at),
                                        ]
                                    )
                                }
                            )
                        ),
                    ]
                }
            ),
            "pointsOfContactChecks": .array(
                checks.participants.map { row in
                    [
                        "participant": .string(row.peer), "checks": .number(Double(row.checks)), "reached": .number(Double(row.reached)),
                        "answered": .number(Double(row.answered)),
                    ]
                }
            ),
        ]
    }

    static func capacity(_ record: PublicRecord) throws -> JSONValue {
        [
            "requests": .array(
                try record.requests.map { request in
                    guard case .object(var members) = try JSONValue(encoding: request.body) else { return .null }
                    members["id"] = .string(request.id)
                    members["by"] = .string(request.author.rawValue)
                    members["suggestedOffers"] = .array(
                        record.suggestions(for: request).map { ["offer": .string($0.offer.id), "fit": .number(Double($0.fit))] }
                    )
                    return .object(members)
                }
            ),
            "offers": .array(
                try record.offers.map { offer in
                    guard case .object(var members) = try JSONValue(encoding: offer.body) else { return .null }
                    members["id"] = .string(offer.id)
                    members["by"] = .string(offer.author.rawValue)
                    return .object(members)
                }
            ),
            "matches": .array(
                record.matches.map { match in
                    [
                        "id": .string(match.id), "request": .string(match.request.id), "offer": .string(match.offer.id),
                        "requester": .string(match.request.author.rawValue), "offerer": .string(match.offer.author.rawValue),
                        "status": .string(match.status.rawValue),
                        "history": .array(
                            match.history.map {
                                [
                                    "status": .string($0.body.status.rawValue), "by": .string($0.author.rawValue), "at": .string($0.entry.at),
                                    "note": .string($0.body.note),
                                ]
                            }
                        ),
                    ]
                }
            ),
            "refusals": refusals(record.refusals),
        ]
    }

    static func drill(_ drill: DrillService.Drill) throws -> JSONValue {
        [
            "id": .string(drill.id), "name": .string(drill.scenario.name), "startAt": .string(Timestamp.format(drill.startAt)),
            "scenario": try JSONValue(encoding: drill.scenario),
            "sent": .number(Double(drill.report.sent)), "answered": .number(Double(drill.report.answered)),
            "deliveries": .array(
                drill.report.deliveries.map { delivery in
                    [
                        "inject": .number(Double(delivery.inject)), "recipient": .string(delivery.recipient.rawValue),
                        "subject": .string(delivery.subject),
                        "dueAt": .string(Timestamp.format(milliseconds: delivery.dueAt)),
                        "sentAt": delivery.sentAt.map { .string(Timestamp.format(milliseconds: $0)) } ?? .null,
                        "message": delivery.messageID.map(JSONValue.string) ?? .null,
                        "acknowledgedAt": delivery.acknowledgedAt.map { .string(Timestamp.format(milliseconds: $0)) } ?? .null,
                        "responseSeconds": delivery.responseMilliseconds.map { .number(Double($0) / 1000) } ?? .null,
                        "answeredInTime": delivery.answeredInTime.map(JSONValue.bool) ?? .null,
                    ]
                }
            ),
            "participants": .array(
                drill.report.participants.map { summary in
                    [
                        "participant": .string(summary.participant.rawValue), "injects": .number(Double(summary.injects)),
                        "answered": .number(Double(summary.answered)), "answeredInTime": .number(Double(summary.answeredInTime)),
                        "medianResponseSeconds": summary.medianResponseMilliseconds.map { .number(Double($0) / 1000) } ?? .null,
                        "slowestResponseSeconds": summary.slowestResponseMilliseconds.map { .number(Double($0) / 1000) } ?? .null,
                    ]
                }
            ),
        ]
    }
}
