import Cases
import EntenteProtocol
import Foundation
import Hotline
import Logging
import Multilateral

/// Everything a node keeps, behind one API, on SQLite or PostgreSQL.
///
/// Each method that changes more than one row does so in one transaction, and
/// returns only after it committed: what it reported as done survives a crash.
public struct NodeStore: Sendable {
    public let database: any SQLDatabase
    /// Each case's state, changed only through it: an event written here and one arriving at
    /// the same moment each see the other (or a participant invited meanwhile could miss one),
    /// and a new event extends the state instead of refolding the case's every event. The
    /// cache is this process's: one node process serves a database.
    public let cases = DocumentLedger<String, CaseState> { $0.stage != nil || !$0.waiting.isEmpty }
    /// Each space of the multilateral record, as `cases` is for cases.
    public let records = DocumentLedger<RecordSpace, RecordSpaceState> { $0.isHeld }

    public init(database: any SQLDatabase) { self.database = database }

    /// `nil` or a file path: SQLite. `postgres://…`: PostgreSQL. The node's own tables are built or
    /// upgraded first, then each of `features`' tables, in order.
    public static func open(databaseURL: String?, defaultSQLitePath: String, features: [Schema], logger: Logger) async throws -> NodeStore {
        let database: any SQLDatabase
        if let databaseURL, databaseURL.hasPrefix("postgres") {
            database = try await PostgresDatabase.connect(url: databaseURL, logger: logger)
        } else {
            let path = databaseURL.map { $0.hasPrefix("sqlite://") ? String($0.dropFirst("sqlite://".count)) : $0 } ?? defaultSQLitePath
            database = try await SQLiteDatabase.open(path: path, logger: logger)
        }
        let store = NodeStore(database: database)
        do {
            try await Schema.apply([.node] + features, to: database, now: Date().unixMilliseconds)
        } catch {
            await database.close()
            throw error
        }
        return store
    }

    public func close() async { await database.close() }

    // MARK: Peers

    public func savePeer(_ peer: PeerRecord) async throws {
        try await database.query(
            """
            INSERT INTO peers (id, name, kind, endpoint, fingerprint, descriptor, pinned_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, endpoint = excluded.endpoint,
                fingerprint = excluded.fingerprint, descriptor = excluded.descriptor, updated_at = excluded.updated_at
            """,
            [
                .text(peer.id.rawValue), .text(peer.name), .text(peer.kind.rawValue), .text(peer.endpoint), .text(peer.fingerprint),
                .text(peer.descriptor), .integer(peer.pinnedAt.unixMilliseconds), .integer(peer.updatedAt.unixMilliseconds),
            ]
        )
    }

    public func peers() async throws -> [PeerRecord] {
        try await database.query("SELECT * FROM peers ORDER BY id").map(Self.peer)
    }

    public func peer(_ id: String) async throws -> PeerRecord? {
        try await database.query("SELECT * FROM peers WHERE id = ?", [.text(id)]).first.map(Self.peer)
    }

    @discardableResult
    public func removePeer(_ id: String) async throws -> Bool {
        try await !database.query("DELETE FROM peers WHERE id = ? RETURNING id", [.text(id)]).isEmpty
    }

    static func peer(_ row: SQLRow) throws -> PeerRecord {
        let descriptor = try row.text("descriptor")
        var record = PeerRecord(
            descriptor: try NodeDescriptor(verifying: JSONValue(parsing: descriptor)),
            signedDescriptor: try JSONValue(parsing: descriptor),
            pinnedAt: Date(unixMilliseconds: try row.integer("pinned_at")),
            updatedAt: Date(unixMilliseconds: try row.integer("updated_at"))
        )
        record.endpoint = try row.text("endpoint")
        return record
    }

    /// Raises the peer's alert, or updates the one it has: one alert per peer, with a count.
    public func raiseKeyAlert(peer: String, offeredFingerprint: String, detail: String, at now: Date) async throws {
        let updated = try await database.query(
            "UPDATE key_alerts SET count = count + 1, last_raised_at = ?, offered_fingerprint = ?, detail = ? WHERE peer_id = ? RETURNING id",
            [.integer(now.unixMilliseconds), .text(offeredFingerprint), .text(detail), .text(peer)]
        )
        guard updated.isEmpty else { return }
        try await database.query(
            "INSERT INTO key_alerts (id, peer_id, raised_at, last_raised_at, offered_fingerprint, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(UUIDv7.string(UUIDv7.generate(at: now))), .text(peer), .integer(now.unixMilliseconds), .integer(now.unixMilliseconds),
                .text(offeredFingerprint), .text(detail),
            ]
        )
    }

    public func keyAlerts(limit: Int = 200) async throws -> [KeyAlert] {
        try await database.query("SELECT * FROM key_alerts ORDER BY last_raised_at DESC LIMIT ?", [.integer(Int64(limit))]).map { row in
            KeyAlert(
                id: try row.text("id"),
                peer: try row.text("peer_id"),
                raisedAt: Date(unixMilliseconds: try row.integer("raised_at")),
                offeredFingerprint: try row.text("offered_fingerprint"),
                detail: try row.text("detail"),
                count: try row.integer("count"),
                lastRaisedAt: Date(unixMilliseconds: try row.integer("last_raised_at"))
            )
        }
    }

    /// How many peers have an alert: what every page's banner shows, without loading them.
    public func keyAlertCount() async throws -> Int64 {
        try await database.query("SELECT COUNT(*) AS n FROM key_alerts").first?.integer("n") ?? 0
    }

    public func clearKeyAlerts(peer: String) async throws {
        try await database.query("DELETE FROM key_alerts WHERE peer_id = ?", [.text(peer)])
    }

    // MARK: Pending changes of trust

    public func savePendingChange(_ change: PendingPeerChange) async throws {
        try await database.query(
            """
            INSERT INTO peer_changes (peer_id, descriptor, summary, offered_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (peer_id) DO UPDATE SET descriptor = excluded.descriptor, summary = excluded.summary, offered_at = excluded.offered_at
            """,
            [.text(change.peer), .text(change.descriptor), .text(change.summary), .integer(change.offeredAt.unixMilliseconds)]
        )
    }

    public func pendingChanges() async throws -> [PendingPeerChange] {
        try await database.query("SELECT * FROM peer_changes ORDER BY peer_id").map { row in
            PendingPeerChange(
                peer: try row.text("peer_id"),
                descriptor: try row.text("descriptor"),
                summary: try row.text("summary"),
                offeredAt: Date(unixMilliseconds: try row.integer("offered_at"))
            )
        }
    }

    public func deletePendingChange(peer: String) async throws {
        try await database.query("DELETE FROM peer_changes WHERE peer_id = ?", [.text(peer)])
    }

    static func enqueue(_ envelope: Envelope, to recipient: ParticipantID, now: Date, into db: any SQLExecutor) async throws {
        try await db.query(
            "INSERT INTO outbox (envelope_id, recipient, enqueued_at, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?)",
            [.text(envelope.id), .text(recipient.rawValue), .integer(now.unixMilliseconds), .integer(now.unixMilliseconds)]
        )
    }

    /// Inserts the envelope unless it is already held. A byte-identical replay stores nothing and returns
    /// when it was first stored, so it is answered with the original receipt. The same id with other
    /// bytes, in either direction and from anyone, is refused: an id never names two documents here.
    static func insertEnvelopeOnce(_ envelope: Envelope, now: Date, into db: any SQLExecutor) async throws -> Date? {
        let inserted = try await db.query(
            """
            INSERT INTO envelopes (id, direction, type, sender, created_at, stored_at, wire) VALUES (?, 'in', ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """,
            envelopeBinds(envelope, now: now)
        )
        guard inserted.isEmpty else {
            try await db.query(
                """
                INSERT INTO peer_usage (peer_id, bytes, envelopes) VALUES (?, ?, 1)
                ON CONFLICT (peer_id) DO UPDATE SET bytes = peer_usage.bytes + excluded.bytes, envelopes = peer_usage.envelopes + 1
                """,
                [.text(envelope.sender.rawValue), .integer(Int64(envelope.json.canonicalBytes.count))]
            )
            return nil
        }
        let existing = try await db.query("SELECT direction, stored_at, wire FROM envelopes WHERE id = ?", [.text(envelope.id)])
        guard let held = existing.first, try held.text("direction") == Direction.incoming.rawValue,
            try held.text("wire") == envelope.json.canonicalString
        else { throw ProtocolError.idConflict("envelope \(envelope.id) is already held with other content") }
        return Date(unixMilliseconds: try held.integer("stored_at"))
    }

    /// Bytes of envelopes this node stored from `peer`, for its storage quota.
    public func storedBytes(from peer: ParticipantID) async throws -> Int64 {
        try await database.query("SELECT bytes FROM peer_usage WHERE peer_id = ?", [.text(peer.rawValue)]).first?.integer("bytes") ?? 0
    }

    /// Inserts a signed document into `table` (keyed by `id`, with a `document` column) unless it is
    /// already held. `false` for a byte-identical copy; the same id with other bytes is refused.
    static func insertSignedDocumentOnce(
        into table: String,
        id: String,
        document: String,
        columns: [String],
        values: [SQLValue],
        db: any SQLExecutor
    ) async throws -> Bool {
        let names = (["id", "document"] + columns).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count + 2).joined(separator: ", ")
        let inserted = try await db.query(
            "INSERT INTO \(table) (\(names)) VALUES (\(placeholders)) ON CONFLICT (id) DO NOTHING RETURNING id",
            [.text(id), .text(document)] + values
        )
        guard inserted.isEmpty else { return true }
        let held = try await db.query("SELECT document FROM \(table) WHERE id = ?", [.text(id)])
        guard try held.first?.text("document") == document else {
            throw ProtocolError.idConflict("document \(id) is already held with other content")
        }
        return false
    }

    static func insertEnvelope(_ envelope: Envelope, direction: Direction, now: Date, into db: any SQLExecutor) async throws {
        try await db.query(
            "INSERT INTO envelopes (id, direction, type, sender, created_at, stored_at, wire) VALUES (?, '\(direction.rawValue)', ?, ?, ?, ?, ?)",
            envelopeBinds(envelope, now: now)
        )
    }

    static func envelopeBinds(_ envelope: Envelope, now: Date) -> [SQLValue] {
        [
            .text(envelope.id), .text(envelope.type), .text(envelope.sender.rawValue),
            .integer(Timestamp.milliseconds(envelope.createdAt) ?? now.unixMilliseconds), .integer(now.unixMilliseconds),
            .text(envelope.json.canonicalString),
        ]
    }

    public func envelopeCount() async throws -> Int64 {
        try await database.query("SELECT COUNT(*) AS n FROM envelopes").first?.integer("n") ?? 0
    }

    // MARK: Outbox

    /// Due deliveries, at most `perRecipient` of each recipient's oldest and taken round-robin across
    /// recipients: a peer that accepts connections and never answers holds its own share only.
    public func dueOutbox(now: Date, limit: Int, perRecipient: Int = 4) async throws -> [OutboxItem] {
        try await database.query(
            """
            SELECT d.envelope_id, d.recipient, d.attempts, d.enqueued_at, e.wire FROM (
                SELECT envelope_id, recipient, attempts, enqueued_at, next_attempt_at,
                    ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY next_attempt_at, envelope_id) AS turn
                FROM outbox WHERE next_attempt_at <= ?
            ) d JOIN envelopes e ON e.id = d.envelope_id
            WHERE d.turn <= ? ORDER BY d.turn, d.next_attempt_at, d.envelope_id LIMIT ?
            """,
            [.integer(now.unixMilliseconds), .integer(Int64(perRecipient)), .integer(Int64(limit))]
        ).map { row in
            OutboxItem(
                envelopeID: try row.text("envelope_id"),
                recipient: try row.text("recipient"),
                wire: try row.text("wire"),
                attempts: try row.integer("attempts"),
                enqueuedAt: Date(unixMilliseconds: try row.integer("enqueued_at"))
            )
        }
    }

    /// When the next queued delivery that is not yet due falls due, if any.
    public func nextOutboxAttempt(after now: Date) async throws -> Date? {
        try await database.query("SELECT MIN(next_attempt_at) AS due FROM outbox WHERE next_attempt_at > ?", [.integer(now.unixMilliseconds)])
            .first?.optionalInteger("due").map(Date.init(unixMilliseconds:))
    }

    /// What is queued per recipient, with the latest refusal or failure, so the operator sees why.
    public func outboxByRecipient() async throws -> [(recipient: String, queued: Int64, nextAttemptAt: Date, lastError: String?)] {
        let rows = try await database.query(
            """
            SELECT recipient, COUNT(*) AS queued, MIN(next_attempt_at) AS next_at,
                (SELECT o2.last_error FROM outbox o2 WHERE o2.recipient = o.recipient AND o2.last_error IS NOT NULL
                 ORDER BY o2.next_attempt_at DESC LIMIT 1) AS last_error
            FROM outbox o GROUP BY recipient ORDER BY recipient
            """
        )
        return try rows.map { row in
            (
                try row.text("recipient"), try row.integer("queued"), Date(unixMilliseconds: try row.integer("next_at")),
                try row.optionalText("last_error")
            )
        }
    }

    public func outboxDepth() async throws -> Int64 {
        try await database.query("SELECT COUNT(*) AS n FROM outbox").first?.integer("n") ?? 0
    }

    /// Removes a delivered item from the outbox and records its receipt, atomically.
    public func markDelivered(_ item: OutboxItem, receipt: JSONValue, at now: Date) async throws {
        try await database.transaction { db in
            try await db.query("DELETE FROM outbox WHERE envelope_id = ? AND recipient = ?", [.text(item.envelopeID), .text(item.recipient)])
            try await db.query(
                "UPDATE deliveries SET delivered_at = ?, receipt = ? WHERE message_id = ? AND recipient = ? AND delivered_at IS NULL",
                [.integer(now.unixMilliseconds), .text(receipt.canonicalString), .text(item.envelopeID), .text(item.recipient)]
            )
        }
    }

    public func markAttemptFailed(_ item: OutboxItem, error: String, retryAt: Date) async throws {
        try await database.query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE envelope_id = ? AND recipient = ?",
            [.integer(retryAt.unixMilliseconds), .text(String(error.prefix(500))), .text(item.envelopeID), .text(item.recipient)]
        )
    }

    /// Makes every queued item due now: after a peer came back, or at an operator's request.
    public func retryOutboxNow(recipient: String? = nil, now: Date) async throws {
        if let recipient {
            try await database.query("UPDATE outbox SET next_attempt_at = ? WHERE recipient = ?", [.integer(now.unixMilliseconds), .text(recipient)])
        } else {
            try await database.query("UPDATE outbox SET next_attempt_at = ?", [.integer(now.unixMilliseconds)])
        }
    }

    // MARK: Users and sessions

    public func createUser(_ user: UserRecord, now: Date) async throws {
        let inserted = try await database.query(
            """
            INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (username) DO NOTHING RETURNING username
            """,
            [.text(user.username), .text(user.displayName), .text(user.role.rawValue), .text(user.passwordHash), .integer(now.unixMilliseconds)]
        )
        guard !inserted.isEmpty else { throw StorageError.conflict("user \(user.username)") }
    }

    public func user(_ username: String) async throws -> UserRecord? {
        try await database.query("SELECT * FROM users WHERE username = ?", [.text(username)]).first.map(Self.user)
    }

    public func users() async throws -> [UserRecord] {
        try await database.query("SELECT * FROM users ORDER BY username").map(Self.user)
    }

    static func user(_ row: SQLRow) throws -> UserRecord {
        let role = try row.value("role", as: Role.self)
        return UserRecord(
            username: try row.text("username"),
            displayName: try row.text("display_name"),
            role: role,
            passwordHash: try row.text("password_hash")
        )
    }

    public func createSession(tokenHash: String, username: String, csrfToken: String, now: Date, expiresAt: Date) async throws {
        try await database.query("DELETE FROM sessions WHERE expires_at < ?", [.integer(now.unixMilliseconds)])
        try await database.query(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [.text(tokenHash), .text(username), .text(csrfToken), .integer(now.unixMilliseconds), .integer(expiresAt.unixMilliseconds)]
        )
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionRecord? {
        try await database.query(
            "SELECT username, csrf_token, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
            [.text(tokenHash), .integer(now.unixMilliseconds)]
        ).first.map { row in
            SessionRecord(
                username: try row.text("username"),
                csrfToken: try row.text("csrf_token"),
                expiresAt: Date(unixMilliseconds: try row.integer("expires_at"))
            )
        }
    }

    public func createAPIToken(tokenHash: String, username: String, now: Date) async throws {
        try await database.query(
            "INSERT INTO api_tokens (token_hash, username, created_at) VALUES (?, ?, ?)",
            [.text(tokenHash), .text(username), .integer(now.unixMilliseconds)]
        )
    }

    /// The person a personal API token belongs to.
    public func user(apiTokenHash: String) async throws -> UserRecord? {
        try await database.query(
            "SELECT u.* FROM api_tokens t JOIN users u ON u.username = t.username WHERE t.token_hash = ?",
            [.text(apiTokenHash)]
        ).first.map(Self.user)
    }

    public func deleteSession(tokenHash: String) async throws {
        try await database.query("DELETE FROM sessions WHERE token_hash = ?", [.text(tokenHash)])
    }
}
