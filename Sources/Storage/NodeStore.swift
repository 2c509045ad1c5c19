import Cases
import EntenteProtocol
import Foundation
import Hotline
import Logging
import Multilateral
import SQLKit
import TransparencyLog

/// Everything a node keeps, behind one API, on SQLite or PostgreSQL.
///
/// Each method that changes more than one row does so in one transaction, and
/// returns only after it committed: what it reported as done survives a crash.
public struct NodeStore: Sendable {
    public let database: any NodeDatabase
    /// Each case's state, changed only through it: an event written here and one arriving at
    /// the same moment each see the other (or a participant invited meanwhile could miss one),
    /// and a new event extends the state instead of refolding the case's every event. The
    /// cache is this process's: one node process serves a database.
    public let cases = DocumentLedger<String, CaseState> { $0.stage != nil || !$0.waiting.isEmpty }
    /// Each space of the multilateral record, as `cases` is for cases.
    public let records = DocumentLedger<RecordSpace, RecordSpaceState> { $0.isHeld }
    /// The transparency log's tiles once read, and its whole subtrees' roots once computed: they never change.
    public let tileCache = TileCache(capacity: 4_096)
    public let subtreeCache = SubtreeCache(capacity: 65_536)

    public init(database: any NodeDatabase) { self.database = database }

    /// Statements outside a transaction.
    var sql: any SQLDatabase { database.sql }

    /// `nil` or a file path: SQLite. `postgres://…`: PostgreSQL. The node's own tables are built or
    /// upgraded first, then each of `features`' tables, in order.
    public static func open(databaseURL: String?, defaultSQLitePath: String, features: [Schema], logger: Logger) async throws -> NodeStore {
        let database: any NodeDatabase
        if let databaseURL, databaseURL.hasPrefix("postgres") {
            database = try await PostgresNodeDatabase.connect(url: databaseURL, logger: logger)
        } else {
            let path = databaseURL.map { $0.hasPrefix("sqlite://") ? String($0.dropFirst("sqlite://".count)) : $0 } ?? defaultSQLitePath
            database = try await SQLiteNodeDatabase.open(path: path, logger: logger)
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

    /// A row of `peers`.
    struct PeerRow: Codable, Sendable {
        var id: String
        var name: String
        var kind: String
        var endpoint: String
        var fingerprint: String
        var descriptor: String
        var pinnedAt: Milliseconds
        var updatedAt: Milliseconds

        func record() throws -> PeerRecord {
            var record = PeerRecord(
                descriptor: try NodeDescriptor(verifying: JSONValue(parsing: descriptor)),
                signedDescriptor: try JSONValue(parsing: descriptor),
                pinnedAt: pinnedAt.date,
                updatedAt: updatedAt.date
            )
            record.endpoint = endpoint
            return record
        }
    }

    public func savePeer(_ peer: PeerRecord) async throws {
        let row = PeerRow(
            id: peer.id.rawValue,
            name: peer.name,
            kind: peer.kind.rawValue,
            endpoint: peer.endpoint,
            fingerprint: peer.fingerprint,
            descriptor: peer.descriptor,
            pinnedAt: Milliseconds(peer.pinnedAt),
            updatedAt: Milliseconds(peer.updatedAt)
        )
        // Every descriptor version a peer is pinned or updated with is a document accepted here, so it is logged.
        try await database.transaction { db in
            try await db.insert(into: "peers").model(row, with: .columns)
                .onConflict(with: ["id"]) { update in
                    update.set(excludedValueOf: "name").set(excludedValueOf: "kind").set(excludedValueOf: "endpoint")
                        .set(excludedValueOf: "fingerprint").set(excludedValueOf: "descriptor").set(excludedValueOf: "updated_at")
                }
                .run()
            try await Self.appendToLog([LogEntry(kind: .descriptor, document: Array(row.descriptor.utf8))], now: peer.updatedAt, into: db)
        }
    }

    public func peers() async throws -> [PeerRecord] {
        try await sql.rows("SELECT * FROM peers ORDER BY id", as: PeerRow.self).map { try $0.record() }
    }

    public func peer(_ id: String) async throws -> PeerRecord? {
        try await sql.row("SELECT * FROM peers WHERE id = \(bind: id)", as: PeerRow.self)?.record()
    }

    @discardableResult
    public func removePeer(_ id: String) async throws -> Bool {
        try await sql.changes("DELETE FROM peers WHERE id = \(bind: id) RETURNING id")
    }

    /// A row of `key_alerts`.
    struct KeyAlertRow: Codable, Sendable {
        var id: String
        var peerId: String
        var raisedAt: Milliseconds
        var offeredFingerprint: String
        var detail: String
        var count: Int64
        var lastRaisedAt: Milliseconds
    }

    /// Raises the peer's alert, or updates the one it has: one alert per peer, with a count.
    public func raiseKeyAlert(peer: String, offeredFingerprint: String, detail: String, at now: Date) async throws {
        let updated = try await sql.changes(
            """
            UPDATE key_alerts SET count = count + 1, last_raised_at = \(bind: Milliseconds(now)), offered_fingerprint = \(bind: offeredFingerprint),
                detail = \(bind: detail) WHERE peer_id = \(bind: peer) RETURNING id
            """
        )
        guard !updated else { return }
        try await sql.insert(
            into: "key_alerts",
            KeyAlertRow(
                id: UUIDv7.string(UUIDv7.generate(at: now)),
                peerId: peer,
                raisedAt: Milliseconds(now),
                offeredFingerprint: offeredFingerprint,
                detail: detail,
                count: 1,
                lastRaisedAt: Milliseconds(now)
            )
        )
    }

    public func keyAlerts(limit: Int = 200) async throws -> [KeyAlert] {
        try await sql.rows("SELECT * FROM key_alerts ORDER BY last_raised_at DESC LIMIT \(bind: limit)", as: KeyAlertRow.self).map { row in
            KeyAlert(
                id: row.id,
                peer: row.peerId,
                raisedAt: row.raisedAt.date,
                offeredFingerprint: row.offeredFingerprint,
                detail: row.detail,
                count: row.count,
                lastRaisedAt: row.lastRaisedAt.date
            )
        }
    }

    /// How many peers have an alert: what every page's banner shows, without loading them.
    public func keyAlertCount() async throws -> Int64 {
        try await sql.value("SELECT COUNT(*) FROM key_alerts", as: Int64.self) ?? 0
    }

    public func clearKeyAlerts(peer: String) async throws {
        try await sql.run("DELETE FROM key_alerts WHERE peer_id = \(bind: peer)")
    }

    // MARK: Pending changes of trust

    /// A row of `peer_changes`.
    struct PendingChangeRow: Codable, Sendable {
        var peerId: String
        var descriptor: String
        var summary: String
        var offeredAt: Milliseconds
    }

    public func savePendingChange(_ change: PendingPeerChange) async throws {
        let row = PendingChangeRow(
            peerId: change.peer,
            descriptor: change.descriptor,
            summary: change.summary,
            offeredAt: Milliseconds(change.offeredAt)
        )
        try await sql.insert(into: "peer_changes").model(row, with: .columns)
            .onConflict(with: ["peer_id"]) { update in
                update.set(excludedValueOf: "descriptor").set(excludedValueOf: "summary").set(excludedValueOf: "offered_at")
            }
            .run()
    }

    public func pendingChanges() async throws -> [PendingPeerChange] {
        try await sql.rows("SELECT * FROM peer_changes ORDER BY peer_id", as: PendingChangeRow.self).map { row in
            PendingPeerChange(peer: row.peerId, descriptor: row.descriptor, summary: row.summary, offeredAt: row.offeredAt.date)
        }
    }

    public func deletePendingChange(peer: String) async throws {
        try await sql.run("DELETE FROM peer_changes WHERE peer_id = \(bind: peer)")
    }

    // MARK: Envelopes

    /// A row of `envelopes`: every signed envelope this node sent or accepted, as it went on the wire.
    struct EnvelopeRow: Codable, Sendable {
        var id: String
        var direction: Direction
        var type: String
        var sender: String
        var createdAt: Milliseconds
        var storedAt: Milliseconds
        var wire: String

        init(_ envelope: Envelope, direction: Direction, now: Date) {
            id = envelope.id
            self.direction = direction
            type = envelope.type
            sender = envelope.sender.rawValue
            createdAt = Milliseconds(value: Timestamp.milliseconds(envelope.createdAt) ?? now.unixMilliseconds)
            storedAt = Milliseconds(now)
            wire = envelope.json.canonicalString
        }
    }

    /// A row of `outbox`: one envelope owed to one recipient.
    struct OutboxRow: Codable, Sendable {
        var envelopeId: String
        var recipient: String
        var enqueuedAt: Milliseconds
        var attempts: Int64
        var nextAttemptAt: Milliseconds
        var lastError: String?
    }

    static func enqueue(_ envelope: Envelope, to recipient: ParticipantID, now: Date, into db: any SQLDatabase) async throws {
        try await db.insert(
            into: "outbox",
            OutboxRow(
                envelopeId: envelope.id,
                recipient: recipient.rawValue,
                enqueuedAt: Milliseconds(now),
                attempts: 0,
                nextAttemptAt: Milliseconds(now)
            )
        )
    }

    /// Inserts the envelope unless it is already held. A byte-identical replay stores nothing and returns
    /// when it was first stored, so it is answered with the original receipt. The same id with other
    /// bytes, in either direction and from anyone, is refused: an id never names two documents here.
    static func insertEnvelopeOnce(_ envelope: Envelope, now: Date, into db: any SQLDatabase) async throws -> Date? {
        let row = EnvelopeRow(envelope, direction: .incoming, now: now)
        let inserted = try await db.insert(into: "envelopes").model(row, with: .columns).ignoringConflicts(with: ["id"]).returning("id").first()
        guard inserted != nil else {
            let held = try await db.row("SELECT * FROM envelopes WHERE id = \(bind: envelope.id)", as: EnvelopeRow.self)
            guard let held, held.direction == .incoming, held.wire == row.wire else {
                throw ProtocolError.idConflict("envelope \(envelope.id) is already held with other content")
            }
            return held.storedAt.date
        }
        try await db.run(
            """
            INSERT INTO peer_usage (peer_id, bytes, envelopes) VALUES (\(bind: row.sender), \(bind: Int64(envelope.json.canonicalBytes.count)), 1)
            ON CONFLICT (peer_id) DO UPDATE SET bytes = peer_usage.bytes + excluded.bytes, envelopes = peer_usage.envelopes + 1
            """
        )
        // Accepted here, and to be found in the sender's own log before long (`LogMonitor`).
        let entry = LogEntry(kind: .envelope, document: Array(row.wire.utf8))
        try await appendToLog([entry], now: now, into: db)
        try await expectInLog(of: LogNames.origin(of: row.sender), entry, now: now, into: db)
        return nil
    }

    /// Bytes of envelopes this node stored from `peer`, for its storage quota.
    public func storedBytes(from peer: ParticipantID) async throws -> Int64 {
        try await sql.value("SELECT bytes FROM peer_usage WHERE peer_id = \(bind: peer.rawValue)", as: Int64.self) ?? 0
    }

    /// Inserts a signed document as `row` into `table` (keyed by `id`, with a `document` column) unless it is
    /// already held, and appends it to the log as `kind`. `false` for a byte-identical copy; the same id with
    /// other bytes is refused.
    static func insertSignedDocumentOnce(
        _ row: some SignedDocumentRow,
        into table: String,
        loggedAs kind: LogEntry.Kind,
        now: Date,
        db: any SQLDatabase
    ) async throws -> Bool {
        let inserted = try await db.insert(into: table).model(row, with: .columns).ignoringConflicts(with: ["id"]).returning("id").first()
        guard inserted == nil else {
            try await appendToLog([LogEntry(kind: kind, document: Array(row.document.utf8))], now: now, into: db)
            return true
        }
        let held = try await db.value("SELECT document FROM \(ident: table) WHERE id = \(bind: row.id)", as: String.self)
        guard held == row.document else { throw ProtocolError.idConflict("document \(row.id) is already held with other content") }
        return false
    }

    static func insertEnvelope(_ envelope: Envelope, direction: Direction, now: Date, into db: any SQLDatabase) async throws {
        let row = EnvelopeRow(envelope, direction: direction, now: now)
        try await db.insert(into: "envelopes", row)
        try await appendToLog([LogEntry(kind: .envelope, document: Array(row.wire.utf8))], now: now, into: db)
    }

    public func envelopeCount() async throws -> Int64 {
        try await sql.value("SELECT COUNT(*) FROM envelopes", as: Int64.self) ?? 0
    }

    // MARK: Outbox

    /// Due deliveries, at most `perRecipient` of each recipient's oldest and taken round-robin across
    /// recipients: a peer that accepts connections and never answers holds its own share only.
    public func dueOutbox(now: Date, limit: Int, perRecipient: Int = 4) async throws -> [OutboxItem] {
        struct Due: Decodable {
            var envelopeId: String
            var recipient: String
            var attempts: Int64
            var enqueuedAt: Milliseconds
            var wire: String
        }
        return try await sql.rows(
            """
            SELECT d.envelope_id, d.recipient, d.attempts, d.enqueued_at, e.wire FROM (
                SELECT envelope_id, recipient, attempts, enqueued_at, next_attempt_at,
                    ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY next_attempt_at, envelope_id) AS turn
                FROM outbox WHERE next_attempt_at <= \(bind: Milliseconds(now))
            ) d JOIN envelopes e ON e.id = d.envelope_id
            WHERE d.turn <= \(bind: perRecipient) ORDER BY d.turn, d.next_attempt_at, d.envelope_id LIMIT \(bind: limit)
            """,
            as: Due.self
        ).map { due in
            OutboxItem(envelopeID: due.envelopeId, recipient: due.recipient, wire: due.wire, attempts: due.attempts, enqueuedAt: due.enqueuedAt.date)
        }
    }

    /// When the next queued delivery that is not yet due falls due, if any.
    public func nextOutboxAttempt(after now: Date) async throws -> Date? {
        try await sql.value("SELECT MIN(next_attempt_at) FROM outbox WHERE next_attempt_at > \(bind: Milliseconds(now))", as: Milliseconds.self)?.date
    }

    /// What is queued per recipient, with the latest refusal or failure, so the operator sees why.
    public func outboxByRecipient() async throws -> [(recipient: String, queued: Int64, nextAttemptAt: Date, lastError: String?)] {
        struct Queue: Decodable {
            var recipient: String
            var queued: Int64
            var nextAt: Milliseconds
            var lastError: String?
        }
        return try await sql.rows(
            """
            SELECT recipient, COUNT(*) AS queued, MIN(next_attempt_at) AS next_at,
                (SELECT o2.last_error FROM outbox o2 WHERE o2.recipient = o.recipient AND o2.last_error IS NOT NULL
                 ORDER BY o2.next_attempt_at DESC LIMIT 1) AS last_error
            FROM outbox o GROUP BY recipient ORDER BY recipient
            """,
            as: Queue.self
        ).map { ($0.recipient, $0.queued, $0.nextAt.date, $0.lastError) }
    }

    public func outboxDepth() async throws -> Int64 {
        try await sql.value("SELECT COUNT(*) FROM outbox", as: Int64.self) ?? 0
    }

    /// Removes a delivered item from the outbox and records its receipt, atomically.
    public func markDelivered(_ item: OutboxItem, receipt: JSONValue, at now: Date) async throws {
        try await database.transaction { db in
            try await db.run("DELETE FROM outbox WHERE envelope_id = \(bind: item.envelopeID) AND recipient = \(bind: item.recipient)")
            try await db.run(
                """
                UPDATE deliveries SET delivered_at = \(bind: Milliseconds(now)), receipt = \(bind: receipt.canonicalString)
                WHERE message_id = \(bind: item.envelopeID) AND recipient = \(bind: item.recipient) AND delivered_at IS NULL
                """
            )
        }
    }

    public func markAttemptFailed(_ item: OutboxItem, error: String, retryAt: Date) async throws {
        try await sql.run(
            """
            UPDATE outbox SET attempts = attempts + 1, next_attempt_at = \(bind: Milliseconds(retryAt)), last_error = \(bind: String(error.prefix(500)))
            WHERE envelope_id = \(bind: item.envelopeID) AND recipient = \(bind: item.recipient)
            """
        )
    }

    /// Makes every queued item due now: after a peer came back, or at an operator's request.
    public func retryOutboxNow(recipient: String? = nil, now: Date) async throws {
        if let recipient {
            try await sql.run("UPDATE outbox SET next_attempt_at = \(bind: Milliseconds(now)) WHERE recipient = \(bind: recipient)")
        } else {
            try await sql.run("UPDATE outbox SET next_attempt_at = \(bind: Milliseconds(now))")
        }
    }

    // MARK: Users and sessions

    /// A row of `users`.
    struct UserRow: Codable, Sendable {
        var username: String
        var displayName: String
        var role: Role
        var passwordHash: String
        var createdAt: Milliseconds?

        var record: UserRecord { UserRecord(username: username, displayName: displayName, role: role, passwordHash: passwordHash) }
    }

    public func createUser(_ user: UserRecord, now: Date) async throws {
        let row = UserRow(
            username: user.username,
            displayName: user.displayName,
            role: user.role,
            passwordHash: user.passwordHash,
            createdAt: Milliseconds(now)
        )
        let inserted = try await sql.insert(into: "users").model(row, with: .columns).ignoringConflicts(with: ["username"]).returning("username")
            .first()
        guard inserted != nil else { throw StorageError.conflict("user \(user.username)") }
    }

    public func user(_ username: String) async throws -> UserRecord? {
        try await sql.row("SELECT * FROM users WHERE username = \(bind: username)", as: UserRow.self)?.record
    }

    public func users() async throws -> [UserRecord] {
        try await sql.rows("SELECT * FROM users ORDER BY username", as: UserRow.self).map(\.record)
    }

    /// A row of `sessions`.
    struct SessionRow: Codable, Sendable {
        var tokenHash: String?
        var username: String
        var csrfToken: String
        var createdAt: Milliseconds?
        var expiresAt: Milliseconds
    }

    public func createSession(tokenHash: String, username: String, csrfToken: String, now: Date, expiresAt: Date) async throws {
        try await sql.run("DELETE FROM sessions WHERE expires_at < \(bind: Milliseconds(now))")
        try await sql.insert(
            into: "sessions",
            SessionRow(
                tokenHash: tokenHash,
                username: username,
                csrfToken: csrfToken,
                createdAt: Milliseconds(now),
                expiresAt: Milliseconds(expiresAt)
            )
        )
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionRecord? {
        try await sql.row(
            "SELECT username, csrf_token, expires_at FROM sessions WHERE token_hash = \(bind: tokenHash) AND expires_at > \(bind: Milliseconds(now))",
            as: SessionRow.self
        ).map { SessionRecord(username: $0.username, csrfToken: $0.csrfToken, expiresAt: $0.expiresAt.date) }
    }

    public func createAPIToken(tokenHash: String, username: String, now: Date) async throws {
        try await sql.run(
            "INSERT INTO api_tokens (token_hash, username, created_at) VALUES (\(bind: tokenHash), \(bind: username), \(bind: Milliseconds(now)))"
        )
    }

    /// The person a personal API token belongs to.
    public func user(apiTokenHash: String) async throws -> UserRecord? {
        try await sql.row(
            "SELECT u.* FROM api_tokens t JOIN users u ON u.username = t.username WHERE t.token_hash = \(bind: apiTokenHash)",
            as: UserRow.self
        )?.record
    }

    public func deleteSession(tokenHash: String) async throws {
        try await sql.run("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash)")
    }
}

/// A row of a table of signed documents (`case_events`, `record_entries`): the document as it arrived,
/// under its id, with the columns it is found by.
protocol SignedDocumentRow: Encodable, Sendable {
    var id: String { get }
    var document: String { get }
}
