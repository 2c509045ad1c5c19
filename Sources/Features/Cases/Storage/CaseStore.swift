import Cases
import EntenteProtocol
import Foundation
import SQLKit

/// Case events and escalations. Events are stored as the signed documents they
/// arrived as; a case's state is a function of them (`CaseState`), kept by `cases`.
extension NodeStore {
    /// Stores events this node wrote and the envelopes carrying them, all or nothing.
    public func recordOutgoing(caseEvents events: [CaseEvent], envelopes: [Envelope], now: Date) async throws {
        try await database.transaction { db in
            _ = try await Self.insertCaseEvents(events, now: now, into: db)
            try await Self.queue(envelopes, now: now, into: db)
        }
    }

    /// Stores verified events received in `envelope` and any relay of them, all or nothing.
    /// A replayed envelope stores nothing and returns when it was first stored.
    public func recordIncoming(_ envelope: Envelope, caseEvents events: [CaseEvent], relays: [Envelope], now: Date) async throws -> Date {
        try await database.transaction { db in
            if let first = try await Self.insertEnvelopeOnce(envelope, now: now, into: db) { return first }
            _ = try await Self.insertCaseEvents(events, now: now, into: db)
            try await Self.queue(relays, now: now, into: db)
            return now
        }
    }

    /// A row of `case_events`: a signed event as it arrived, found by its case.
    struct CaseEventRow: SignedDocumentRow, Codable {
        var id: String
        var caseId: String
        var author: String
        var kind: String
        var at: Milliseconds
        var storedAt: Milliseconds
        var document: String
    }

    static func insertCaseEvents(_ events: [CaseEvent], now: Date, into db: any SQLDatabase) async throws -> Int {
        var inserted = 0
        for event in events {
            let row = CaseEventRow(
                id: event.id,
                caseId: event.caseID,
                author: event.author.rawValue,
                kind: event.action.kind.rawValue,
                at: Milliseconds(value: event.atMilliseconds),
                storedAt: Milliseconds(now),
                document: event.document.canonicalString
            )
            if try await insertSignedDocumentOnce(row, into: "case_events", loggedAs: .caseEvent, now: now, db: db) { inserted += 1 }
        }
        return inserted
    }

    static func queue(_ envelopes: [Envelope], now: Date, into db: any SQLDatabase) async throws {
        for envelope in envelopes {
            try await insertEnvelope(envelope, direction: .outgoing, now: now, into: db)
            for recipient in envelope.recipients { try await enqueue(envelope, to: recipient, now: now, into: db) }
        }
    }

    /// Every event held for the case, in storage order (the state does not depend on it).
    public func caseEvents(_ caseID: String) async throws -> [CaseEvent] {
        try await sql.raw("SELECT document FROM case_events WHERE case_id = \(bind: caseID) ORDER BY stored_at, id")
            .all(decodingColumn: "document", as: String.self).map(Self.caseEvent)
    }

    /// The case's state as the events held give it (kept in memory by `cases`).
    public func caseState(_ caseID: String) async throws -> CaseState {
        try await cases.state(of: caseID) { try await loadCaseState(caseID) }
    }

    /// Checks and stores a change to a case, alone among case changes (`DocumentLedger.update`).
    public func updateCase<Result: Sendable>(
        _ caseID: String,
        _ decide: @Sendable (CaseState) async throws -> (state: CaseState, commit: @Sendable () async throws -> Result)
    ) async throws -> Result {
        try await cases.update(caseID, load: { try await loadCaseState(caseID) }, decide)
    }

    private func loadCaseState(_ caseID: String) async throws -> CaseState {
        CaseState(id: caseID, events: try await caseEvents(caseID))
    }

    /// The canonical documents held under any of `ids`, in any case.
    public func caseEventDocuments(_ ids: [String]) async throws -> [String: String] {
        try await heldDocuments(in: "case_events", ids: ids)
    }

    /// How many events of `author` this node holds in `caseID`.
    public func caseEventCount(_ caseID: String, author: String) async throws -> Int64 {
        try await sql.value("SELECT COUNT(*) FROM case_events WHERE case_id = \(bind: caseID) AND author = \(bind: author)", as: Int64.self) ?? 0
    }

    static let documentLookupBatch = 500

    func heldDocuments(in table: String, ids: [String]) async throws -> [String: String] {
        var held: [String: String] = [:]
        for start in stride(from: 0, to: ids.count, by: Self.documentLookupBatch) {
            let batch = Array(ids[start..<min(start + Self.documentLookupBatch, ids.count)])
            struct Held: Decodable {
                var id: String
                var document: String
            }
            for row in try await sql.rows("SELECT id, document FROM \(ident: table) WHERE id IN (\(binds: batch))", as: Held.self) {
                held[row.id] = row.document
            }
        }
        return held
    }

    /// Case ids, most recently active first.
    public func caseIDs(limit: Int = 200) async throws -> [String] {
        try await sql.raw("SELECT case_id, MAX(stored_at) AS last FROM case_events GROUP BY case_id ORDER BY last DESC, case_id LIMIT \(bind: limit)")
            .all(decodingColumn: "case_id", as: String.self)
    }

    static func caseEvent(_ document: String) throws -> CaseEvent {
        // Stored documents were verified on the way in; a failure here means the database was edited.
        try CaseEvent(document: try JSONValue(parsing: Array(document.utf8)))
    }

    // MARK: Escalations

    /// A row of `case_escalations`.
    struct EscalationRow: Codable, Sendable {
        var itemId: String
        var caseId: String
        var owedBy: String
        var dueAt: Milliseconds
        var raisedAt: Milliseconds
        var summary: String

        var escalation: CaseEscalation {
            CaseEscalation(itemID: itemId, caseID: caseId, owedBy: owedBy, dueAt: dueAt.date, raisedAt: raisedAt.date, summary: summary)
        }
    }

    /// Records an escalation once per overdue item; `false` if it was already raised.
    public func raiseEscalation(_ escalation: CaseEscalation) async throws -> Bool {
        let row = EscalationRow(
            itemId: escalation.itemID,
            caseId: escalation.caseID,
            owedBy: escalation.owedBy,
            dueAt: Milliseconds(escalation.dueAt),
            raisedAt: Milliseconds(escalation.raisedAt),
            summary: escalation.summary
        )
        return try await sql.insert(into: "case_escalations").model(row, with: .columns).ignoringConflicts(with: ["item_id"])
            .returning("item_id").first() != nil
    }

    public func escalations(caseID: String? = nil, limit: Int = 200) async throws -> [CaseEscalation] {
        let rows =
            if let caseID {
                try await sql.rows(
                    "SELECT * FROM case_escalations WHERE case_id = \(bind: caseID) ORDER BY raised_at DESC LIMIT \(bind: limit)",
                    as: EscalationRow.self
                )
            } else {
                try await sql.rows("SELECT * FROM case_escalations ORDER BY raised_at DESC LIMIT \(bind: limit)", as: EscalationRow.self)
            }
        return rows.map(\.escalation)
    }
}

/// An overdue item of this node's, brought to the attention of the desk that escalation names.
public struct CaseEscalation: Sendable, Equatable {
    public var itemID: String
    public var caseID: String
    public var owedBy: String
    public var dueAt: Date
    public var raisedAt: Date
    public var summary: String

    public init(itemID: String, caseID: String, owedBy: String, dueAt: Date, raisedAt: Date, summary: String) {
        self.itemID = itemID
        self.caseID = caseID
        self.owedBy = owedBy
        self.dueAt = dueAt
        self.raisedAt = raisedAt
        self.summary = summary
    }
}
