import EntenteProtocol
import Foundation
import Multilateral
import SQLKit

/// Entries of the multilateral record, stored as the signed documents they arrived as;
/// forums, agreements and the public record are functions of them, kept by `records`.
extension NodeStore {
    /// Stores entries this node wrote and the envelopes carrying them, all or nothing.
    public func recordOutgoing(recordEntries entries: [RecordEntry], envelopes: [Envelope], now: Date) async throws {
        try await database.transaction { db in
            try await Self.insertRecordEntries(entries, now: now, into: db)
            try await Self.queue(envelopes, now: now, into: db)
        }
    }

    /// Stores verified entries received in `envelope` and any relay of them, all or nothing.
    /// A replayed envelope stores nothing and returns when it was first stored.
    public func recordIncoming(_ envelope: Envelope, recordEntries entries: [RecordEntry], relays: [Envelope], now: Date) async throws -> Date {
        try await database.transaction { db in
            if let first = try await Self.insertEnvelopeOnce(envelope, now: now, into: db) { return first }
            try await Self.insertRecordEntries(entries, now: now, into: db)
            try await Self.queue(relays, now: now, into: db)
            return now
        }
    }

    /// A row of `record_entries`: a signed entry as it arrived, found by its space.
    struct RecordEntryRow: SignedDocumentRow, Codable {
        var id: String
        var space: String
        var author: String
        var kind: String
        var at: Milliseconds
        var storedAt: Milliseconds
        var document: String
    }

    static func insertRecordEntries(_ entries: [RecordEntry], now: Date, into db: any SQLDatabase) async throws {
        for entry in entries {
            let row = RecordEntryRow(
                id: entry.id,
                space: entry.space.description,
                author: entry.author.rawValue,
                kind: entry.kind.rawValue,
                at: Milliseconds(value: entry.atMilliseconds),
                storedAt: Milliseconds(now),
                document: entry.document.canonicalString
            )
            _ = try await insertSignedDocumentOnce(row, into: "record_entries", loggedAs: .recordEntry, now: now, db: db)
        }
    }

    /// The canonical documents held under any of `ids`, in any space.
    public func recordEntryDocuments(_ ids: [String]) async throws -> [String: String] {
        try await heldDocuments(in: "record_entries", ids: ids)
    }

    /// Every entry held in `space`, in time order.
    public func recordEntries(in space: RecordSpace) async throws -> [RecordEntry] {
        try await sql.raw("SELECT document FROM record_entries WHERE space = \(bind: space.description) ORDER BY at, id")
            .all(decodingColumn: "document", as: String.self).map(Self.recordEntry)
    }

    /// The space's state as the entries held give it (kept in memory by `records`).
    public func recordSpaceState(_ space: RecordSpace) async throws -> RecordSpaceState {
        try await records.state(of: space) { try await loadRecordSpaceState(space) }
    }

    /// Checks and stores a change to a space of the record, alone among record changes (`DocumentLedger.update`).
    public func updateRecordSpace<Result: Sendable>(
        _ space: RecordSpace,
        _ decide: @Sendable (RecordSpaceState) async throws -> (state: RecordSpaceState, commit: @Sendable () async throws -> Result)
    ) async throws -> Result {
        try await records.update(space, load: { try await loadRecordSpaceState(space) }, decide)
    }

    private func loadRecordSpaceState(_ space: RecordSpace) async throws -> RecordSpaceState {
        RecordSpaceState(space: space, entries: try await recordEntries(in: space))
    }

    /// Every forum's or every agreement's entries, grouped by space (`sort` is "forum" or "agreement").
    public func recordEntries(ofEvery sort: String) async throws -> [String: [RecordEntry]] {
        let documents = try await sql.raw("SELECT document FROM record_entries WHERE space LIKE \(bind: "\(sort):%") ORDER BY at, id")
            .all(decodingColumn: "document", as: String.self)
        return Dictionary(grouping: try documents.map(Self.recordEntry)) { $0.space.openingEntryID ?? "" }
    }

    static func recordEntry(_ document: String) throws -> RecordEntry {
        // Stored documents were verified on the way in; a failure here means the database was edited.
        try RecordEntry(document: try JSONValue(parsing: Array(document.utf8)))
    }
}
