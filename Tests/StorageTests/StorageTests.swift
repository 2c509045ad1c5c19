import EntenteProtocol
import Foundation
import Hotline
import Logging
import Node
import SQLKit
import Testing

@testable import Storage

/// The storage suite runs once per database kind: SQLite always, PostgreSQL when
/// ENTENTE_TEST_POSTGRES_URL names a server (CI sets it and ENTENTE_REQUIRE_POSTGRES=1).
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["ENTENTE_TEST_POSTGRES_URL"] }

    static var available: [Backend] {
        if postgresURL == nil {
            print("⚠️  PostgreSQL storage tests SKIPPED: set ENTENTE_TEST_POSTGRES_URL (see .ci/start-postgres) to run them.")
            return [.sqlite]
        }
        return allCases
    }

    /// A fresh database with no tables at all; `cleanup` closes and drops it.
    func makeDatabase() async throws -> (database: any NodeDatabase, cleanup: @Sendable () async -> Void) {
        let logger = Logger(label: "test")
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entente-store-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try await SQLiteNodeDatabase.open(path: directory.appendingPathComponent("db.sqlite").path, logger: logger)
            return (
                database,
                {
                    await database.close()
                    try? FileManager.default.removeItem(at: directory)
                }
            )
        case .postgres:
            let adminURL = try #require(Self.postgresURL)
            let name = "entente_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            let admin = try await PostgresNodeDatabase.connect(url: adminURL, logger: logger)
            try await admin.sql.run("CREATE DATABASE \(ident: name)")
            var components = try #require(URLComponents(string: adminURL))
            components.path = "/" + name
            let database = try await PostgresNodeDatabase.connect(url: components.string!, logger: logger)
            return (
                database,
                {
                    await database.close()
                    try? await admin.sql.run("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)")
                    await admin.close()
                }
            )
        }
    }
}

/// Runs `body` on a fresh store with every schema applied, then drops it.
func withStore(_ backend: Backend, _ body: (NodeStore) async throws -> Void) async throws {
    try await withDatabase(backend) { database in
        try await Schema.apply([.node] + NodeFeatures.schemas, to: database, now: 0)
        try await body(NodeStore(database: database))
    }
}

/// Runs `body` on a fresh database with no tables, then drops it.
func withDatabase(_ backend: Backend, _ body: (any NodeDatabase) async throws -> Void) async throws {
    let (database, cleanup) = try await backend.makeDatabase()
    do {
        try await body(database)
        await cleanup()
    } catch {
        await cleanup()
        throw error
    }
}

let sender = NodeKeys()
let recipient = NodeKeys()
let estonia = ParticipantID("EST")!
let latvia = ParticipantID("LVA")!

func envelope(
    type: String = HotlineMessage.envelopeType,
    from: ParticipantID = estonia,
    to: ParticipantID = latvia,
    payload: JSONValue = ["x": 1],
    at date: Date = Date()
) throws -> Envelope {
    try Envelope.seal(
        payload: payload,
        type: type,
        from: from,
        signingKey: sender.signing,
        to: [(to, recipient.agreement.publicKey)],
        tlp: .amber,
        exercise: false,
        id: UUIDv7.string(UUIDv7.generate(at: date)),
        createdAt: Timestamp.format(date)
    )
}

func message(
    _ subject: String = "Ransomware",
    priority: Priority = .flash,
    acknowledgeBy: Date = Date().addingTimeInterval(900),
    inReplyTo: String? = nil
) -> HotlineMessage {
    HotlineMessage(
        template: inReplyTo == nil ? .notification : .response,
        priority: priority,
        subject: subject,
        fields: inReplyTo == nil ? ["incidentType": "ransomware"] : ["status": "accepted"],
        inReplyTo: inReplyTo,
        acknowledgeBy: Timestamp.format(acknowledgeBy)
    )
}

@Suite("Storage")
struct StorageTests {
    /// Every step of every schema, as `schema_steps` records them.
    static let everyStep = Set(
        ([Schema.node] + NodeFeatures.schemas).flatMap { schema in schema.migrations.indices.map { "\(schema.name).\($0 + 1)" } }
    )

    static func appliedSteps(_ database: any NodeDatabase) async throws -> Set<String> {
        Set(try await database.sql.rows("SELECT schema_name, step FROM schema_steps", as: Schema.Step.self).map(\.name))
    }

    @Test(arguments: Backend.available)
    func migrationsApplyOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            try await Schema.apply([.node] + NodeFeatures.schemas, to: store.database, now: 0)
            #expect(try await Self.appliedSteps(store.database) == Self.everyStep)
        }
    }

    /// A node's database from before features had schemas of their own (one numbered list of migrations,
    /// 1 to 10) is carried over: nothing is built twice, every step is recorded, the old list is gone.
    @Test(arguments: Backend.available)
    func aDatabaseFromNumberedMigrationsUpgrades(backend: Backend) async throws {
        try await withStore(backend) { store in
            let database = store.database
            try await database.sql.run("DROP TABLE schema_steps")
            // The tables of the features that came after the numbered migrations were not there then.
            let later = [Schema.transparencyLog, .detection].flatMap { $0.migrations.joined() }.compactMap { change -> String? in
                guard case .sql(let statement) = change, statement.hasPrefix("CREATE TABLE ") else { return nil }
                return String(statement.dropFirst("CREATE TABLE ".count).prefix { $0 != " " })
            }
            for table in later.reversed() { try await database.sql.run("DROP TABLE \(ident: table)") }
            try await database.sql.run("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            for version in Int64(1)...10 {
                try await database.sql.run("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: version), 0)")
            }
            try await Schema.apply([.node] + NodeFeatures.schemas, to: database, now: 0)
            #expect(try await Self.appliedSteps(database) == Self.everyStep)
            await #expect(throws: (any Error).self) { try await database.sql.run("SELECT version FROM schema_migrations") }

            // A database that has a later migration than this build knows is refused, not half-upgraded.
            try await database.sql.run("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            try await database.sql.run("INSERT INTO schema_migrations (version, applied_at) VALUES (11, 0)")
            await #expect(throws: StorageError.unknownMigration(11)) {
                try await Schema.apply([.node] + NodeFeatures.schemas, to: database, now: 0)
            }
        }
    }

    /// A statement on the database itself from inside a transaction (which would wait forever
    /// for the transaction on SQLite, and run outside it on PostgreSQL) is refused, and the
    /// transaction rolls back.
    @Test(arguments: Backend.available)
    func aStatementOutsideItsOwnTransactionIsRefused(backend: Backend) async throws {
        try await withStore(backend) { store in
            let database = store.database
            await #expect(throws: StorageError.self) {
                try await database.transaction { db in
                    try await db.run("INSERT INTO schema_steps (schema_name, step, applied_at) VALUES ('test', 999, 0)")
                    return try await database.sql.value("SELECT COUNT(*) FROM schema_steps", as: Int64.self)
                }
            }
            await #expect(throws: StorageError.self) {
                try await database.transaction { _ in try await database.transaction { _ in 1 } }
            }
            let held = try await database.sql.value("SELECT step FROM schema_steps WHERE step = 999", as: Int64.self)
            #expect(held == nil, "the transaction rolled back")
            #expect(try await database.sql.value("SELECT 1", as: Int64.self) == 1, "the database is usable afterwards")
        }
    }

    /// A value no enumeration knows (the database was edited) is an error naming the column,
    /// never a default: a corrupt relation must not read as `partner`, nor a TLP as another. The
    /// database refuses such values since its CHECK constraints (see `ConstraintTests`); this is a
    /// database from before them.
    @Test(arguments: Backend.available)
    func aCorruptEnumerationColumnIsAnErrorNotADefault(backend: Backend) async throws {
        /// The column a row's decoding failed at (as its row type names it).
        func column(_ body: () async throws -> some Any) async -> String? {
            do {
                _ = try await body()
                return nil
            } catch DecodingError.dataCorrupted(let context) {
                return context.codingPath.first?.stringValue
            } catch {
                return "\(error)"
            }
        }
        try await withDatabase(backend) { database in
            try await Schema.apply(ConstraintTests.schemas.map(\.beforeConstraints), to: database, now: 0)
            let store = NodeStore(database: database)
            try await store.database.sql.run(
                "INSERT INTO taxii_accounts (name, relation, token_hash, created_at) VALUES ('soc', 'overlord', 'h', 0)"
            )
            let relation = await column { try await store.account("soc") }
            #expect(relation == "relation")
            try await store.database.sql.run(
                "INSERT INTO taxii_collections (id, title, description, default_tlp, created_at) VALUES ('c', 't', 'd', 'purple', 0)"
            )
            #expect(await column { try await store.collection("c") } == "defaultTlp")
        }
    }

    @Test(arguments: Backend.available)
    func outgoingMessagesAreQueuedAtomicallyAndDeliveredOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            let sent = try envelope(at: now)
            try await store.recordOutgoing(sent, message: message(), composedBy: "Kadri", now: now)
            let due = try await store.dueOutbox(now: now, limit: 10)
            #expect(due.map(\.envelopeID) == [sent.id])
            #expect(due.first?.wire == sent.json.canonicalString)

            try await store.markAttemptFailed(due[0], error: "connection refused", retryAt: now.addingTimeInterval(60))
            #expect(try await store.dueOutbox(now: now, limit: 10).isEmpty)
            #expect(try await store.outboxDepth() == 1)
            let retried = try await store.dueOutbox(now: now.addingTimeInterval(61), limit: 10)
            #expect(retried.first?.attempts == 1)

            try await store.markDelivered(retried[0], receipt: ["type": "entente.receipt"], at: now.addingTimeInterval(62))
            #expect(try await store.outboxDepth() == 0)
            let stored = try #require(try await store.message(sent.id))
            #expect(stored.deliveries.first?.deliveredAt != nil)
            #expect(stored.composedBy == "Kadri")

            // The same id again must fail and leave nothing half-written.
            await #expect(throws: (any Error).self) { try await store.recordOutgoing(sent, message: message(), composedBy: nil, now: now) }
            #expect(try await store.outboxDepth() == 0)
            #expect(try await store.envelopeCount() == 1)
        }
    }

    @Test(arguments: Backend.available)
    func incomingEnvelopesAreStoredOnce(backend: Backend) async throws {
        try await withStore(backend) { store in
            let received = try envelope()
            let first = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await store.recordIncoming(received, message: message(), now: first) == first)
            #expect(try await store.recordIncoming(received, message: message(), now: first.addingTimeInterval(5)) == first)
            #expect(try await store.envelopeCount() == 1)
            #expect(try await store.messages(direction: .incoming).count == 1)
        }
    }

    @Test(arguments: Backend.available)
    func acknowledgementsFlowBothWays(backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            // This node received a message and a person acknowledges it: once.
            let incoming = try envelope(from: latvia, to: estonia)
            _ = try await store.recordIncoming(incoming, message: message(), now: now)
            #expect(
                try await store.recordAcknowledgement(
                    of: incoming.id,
                    by: "Kadri (diplomatic-poc)",
                    envelope: envelope(type: Acknowledgement.envelopeType, to: latvia),
                    now: now
                )
            )
            #expect(
                try await !store.recordAcknowledgement(
                    of: incoming.id,
                    by: "again",
                    envelope: envelope(type: Acknowledgement.envelopeType, to: latvia),
                    now: now
                )
            )
            #expect(try await store.message(incoming.id)?.acknowledgedBy == "Kadri (diplomatic-poc)")
            #expect(try await store.outboxDepth() == 1)

            // This node sent a message; the recipient's acknowledgement marks that recipient's delivery.
            let outgoing = try envelope()
            try await store.recordOutgoing(outgoing, message: message(), composedBy: nil, now: now)
            let acknowledgement = Acknowledgement(
                messageID: outgoing.id,
                acknowledgedBy: "Jānis",
                role: "technical-poc",
                acknowledgedAt: Timestamp.format(now)
            )
            _ = try await store.recordIncoming(
                try envelope(type: Acknowledgement.envelopeType, from: latvia, to: estonia),
                acknowledgement: acknowledgement,
                now: now
            )
            let delivery = try #require(try await store.message(outgoing.id)?.deliveries.first)
            #expect(delivery.acknowledgedBy == "Jānis (technical-poc)")

            // An acknowledgement from someone the message was not sent to is refused and not stored.
            let count = try await store.envelopeCount()
            let stranger = ParticipantID("LTU")!
            await #expect(throws: StorageError.self) {
                try await store.recordIncoming(
                    try envelope(type: Acknowledgement.envelopeType, from: stranger, to: estonia),
                    acknowledgement: acknowledgement,
                    now: now
                )
            }
            #expect(try await store.envelopeCount() == count)
        }
    }

    @Test(arguments: Backend.available)
    func overdueIsCountedOnBothSides(backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            _ = try await store.recordIncoming(
                try envelope(from: latvia, to: estonia),
                message: message(acknowledgeBy: now.addingTimeInterval(-1)),
                now: now
            )
            _ = try await store.recordIncoming(
                try envelope(from: latvia, to: estonia),
                message: message(acknowledgeBy: now.addingTimeInterval(600)),
                now: now
            )
            try await store.recordOutgoing(try envelope(), message: message(acknowledgeBy: now.addingTimeInterval(-1)), composedBy: nil, now: now)
            let counts = try await store.overdueCounts(now: now)
            #expect(counts.incoming == 1)
            #expect(counts.outgoing == 1)
            let overdue = try await store.messages(direction: .incoming).filter { $0.acknowledgementState(now: now) == .overdue }
            #expect(overdue.count == 1)
        }
    }

    @Test(arguments: Backend.available)
    func threadsFollowReplies(backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            let root = try envelope(from: latvia, to: estonia, at: now)
            _ = try await store.recordIncoming(root, message: message("Root"), now: now)
            let reply = try envelope(at: now.addingTimeInterval(1))
            try await store.recordOutgoing(reply, message: message("Re: Root", inReplyTo: root.id), composedBy: nil, now: now.addingTimeInterval(1))
            #expect(try await store.thread(of: reply.id).map(\.content.subject) == ["Root", "Re: Root"])
            #expect(try await store.thread(of: root.id).map(\.content.subject) == ["Root", "Re: Root"])
        }
    }

    @Test(arguments: Backend.available)
    func usersAndSessions(backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            let user = UserRecord(username: "kadri", displayName: "Kadri Tamm", role: .diplomaticPOC, passwordHash: "scrypt$…")
            try await store.createUser(user, now: now)
            await #expect(throws: StorageError.conflict("user kadri")) { try await store.createUser(user, now: now) }
            #expect(try await store.user("kadri") == user)
            try await store.createSession(tokenHash: "h", username: "kadri", csrfToken: "c", now: now, expiresAt: now.addingTimeInterval(60))
            #expect(try await store.session(tokenHash: "h", now: now)?.csrfToken == "c")
            #expect(try await store.session(tokenHash: "h", now: now.addingTimeInterval(61)) == nil)
            try await store.deleteSession(tokenHash: "h")
            #expect(try await store.session(tokenHash: "h", now: now) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func peersAndAlerts(backend: Backend) async throws {
        try await withStore(backend) { store in
            let descriptor = NodeDescriptor(
                id: latvia,
                name: "Republic of Latvia",
                kind: .state,
                endpoint: "http://127.0.0.1:1",
                keys: recipient.publicKeys,
                pointsOfContact: []
            )
            let signed = try descriptor.signed(with: recipient.signing)
            try await store.savePeer(PeerRecord(descriptor: descriptor, signedDescriptor: signed, pinnedAt: Date(), updatedAt: Date()))
            #expect(try await store.peers().map(\.id) == [latvia])
            #expect(try await store.peer("LVA")?.fingerprint == recipient.publicKeys.fingerprint.digits)
            try await store.raiseKeyAlert(peer: "LVA", offeredFingerprint: "0", detail: "keys changed", at: Date())
            #expect(try await store.keyAlerts().count == 1)
            #expect(try await store.removePeer("LVA"))
            #expect(try await !store.removePeer("LVA"))
        }
    }

    /// `sslmode=require` in the database URL encrypts the connection; the default keeps it plain.
    @Test func postgresUsesTLSWhenItsURLAsksForIt() async throws {
        guard let url = Backend.postgresURL else { return }
        let ssl: SQLQueryString = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        let plain = try await PostgresNodeDatabase.connect(url: url)
        let encryptedURL = url + (url.contains("?") ? "&" : "?") + "sslmode=require"
        let encrypted = try await PostgresNodeDatabase.connect(url: encryptedURL)
        #expect(try await plain.sql.value(ssl, as: Bool.self) == false)
        #expect(try await encrypted.sql.value(ssl, as: Bool.self) == true, "the server must run with ssl=on (.ci/start-postgres)")
        await plain.close()
        await encrypted.close()
        await #expect(throws: StorageError.self) { try await PostgresNodeDatabase.connect(url: url + "?sslmode=sometimes") }
    }

    @Test func postgresRunsWhereRequired() {
        if ProcessInfo.processInfo.environment["ENTENTE_REQUIRE_POSTGRES"] == "1" {
            #expect(
                Backend.postgresURL != nil,
                "ENTENTE_REQUIRE_POSTGRES=1 but ENTENTE_TEST_POSTGRES_URL is not set: the PostgreSQL suite would be skipped"
            )
        }
    }
}
