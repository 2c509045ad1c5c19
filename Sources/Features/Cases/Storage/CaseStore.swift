import Cases
import EntenteProtocol
import Foundation

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

    static func insertCaseEvents(_ events: [CaseEvent], now: Date, into db: any SQLExecutor) async throws -> Int {
        var inserted = 0
        for event in events {
            let isNew = try await insertSignedDocumentOnce(
                into: "case_events",
                id: event.id,
                document: event.document.canonicalString,
                columns: ["case_id", "author", "kind", "at", "stored_at"],
                values: [
                    .text(event.caseID), .text(event.author.rawValue), .text(event.action.kind.rawValue),
                    .integer(event.atMilliseconds), .integer(now.unixMilliseconds),
                ],
                db: db
            )
            if isNew { inserted += 1 }
        }
        return inserted
    }

    static func queue(_ envelopes: [Envelope], now: Date, into db: any SQLExecutor) async throws {
        for envelope in envelopes {
            try await insertEnvelope(envelope, direction: .outgoing, now: now, into: db)
            for recipient in envelope.recipients { try await enqueue(envelope, to: recipient, now: now, into: db) }
        }
    }

    /// Every event held for the case, in storage order (the state does not depend on it).
    public func caseEvents(_ caseID: String) async throws -> [CaseEvent] {
        try await database.query("SELECT document FROM case_events WHERE case_id = ? ORDER BY stored_at, id", [.text(caseID)]).map(Self.caseEvent)
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
        try await database.query(
            "SELECT COUNT(*) AS n FROM case_events WHERE case_id = ? AND author = ?",
            [.text(caseID), .text(author)]
        ).first?.integer("n") ?? 0
    }

    static let documentLookupBatch = 500

    func heldDocuments(in table: String, ids: [String]) async throws -> [String: String] {
        var held: [String: String] = [:]
        for start in stride(from: 0, to: ids.count, by: Self.documentLookupBatch) {
            let batch = Array(ids[start..<min(start + Self.documentLookupBatch, ids.count)])
            let placeholders = Array(repeating: "?", count: batch.count).joined(separator: ", ")
            for row in try await database.query("SELECT id, document FROM \(table) WHERE id IN (\(placeholders))", batch.map(SQLValue.text)) {
                held[try row.text("id")] = try row.text("document")
            }
        }
        return held
    }

    /// Case ids, most recently active first.
    public func caseIDs(limit: Int = 200) async throws -> [String] {
        try await database.query(
            "SELECT case_id, MAX(stored_at) AS last FROM case_events GROUP BY case_id ORDER BY last DESC, case_id LIMIT ?",
            [.integer(Int64(limit))]
        ).map { try $0.text("case_id") }
    }

    static func caseEvent(_ row: SQLRow) throws -> CaseEvent {
        // Stored documents were verified on the way in; a failure here means the database was edited.
        try CaseEvent(document: try JSONValue(parsing: Array(try row.text("document").utf8)))
    }

    // MARK: Escalations

    /// Records an escalation once per overdue item; `false` if it was already raised.
    public func raiseEscalation(_ escalation: CaseEscalation) async throws -> Bool {
        !(try await database.query(
            """
            INSERT INTO case_escalations (item_id, case_id, owed_by, due_at, raised_at, summary) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (item_id) DO NOTHING RETURNING item_id
            """,
            [
                .text(escalation.itemID), .text(escalation.caseID), .text(escalation.owedBy), .integer(escalation.dueAt.unixMilliseconds),
                .integer(escalation.raisedAt.unixMilliseconds), .text(escalation.summary),
            ]
        )).isEmpty
    }

    public func escalations(caseID: String? = nil, limit: Int = 200) async throws -> [CaseEscalation] {
        let rows =
            if let caseID {
                try await database.query(
                    "SELECT * FROM case_escalations WHERE case_id = ? ORDER BY raised_at DESC LIMIT ?",
                    [.text(caseID), .integer(Int64(limit))]
                )
            } else {
                try await database.query("SELECT * FROM case_escalations ORDER BY raised_at DESC LIMIT ?", [.integer(Int64(limit))])
            }
        return try rows.map { row in
            CaseEscalation(
                itemID: try row.text("item_id"),
                caseID: try row.text("case_id"),
                owedBy: try row.text("owed_by"),
                dueAt: Date(unixMilliseconds: try row.integer("due_at")),
                raisedAt: Date(unixMilliseconds: try row.integer("raised_at")),
                summary: try row.text("summary")
            )
        }
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
