import EntenteProtocol
import Foundation
import Multilateral

/// Drills and their injects: when each is due to each recipient, and when it was sent.
extension NodeStore {
    /// Records a drill and, for each inject and recipient, when it is due.
    public func createDrill(id: String, scenario: DrillScenario, document: String, createdBy: String?, startAt: Date, now: Date) async throws {
        try await database.transaction { db in
            try await db.query(
                "INSERT INTO drills (id, name, scenario, created_by, created_at, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(id), .text(scenario.name), .text(document), SQLValue(createdBy), .integer(now.unixMilliseconds),
                    .integer(startAt.unixMilliseconds),
                ]
            )
            for (position, inject) in scenario.injects.enumerated() {
                for recipient in inject.to {
                    try await db.query(
                        "INSERT INTO drill_injects (drill_id, inject, recipient, due_at) VALUES (?, ?, ?, ?)",
                        [
                            .text(id), .integer(Int64(position + 1)), .text(recipient.rawValue),
                            .integer(startAt.unixMilliseconds + Int64(inject.offsetSeconds) * 1000),
                        ]
                    )
                }
            }
        }
    }

    public struct StoredDrill: Sendable {
        public var id: String
        public var name: String
        public var scenario: String
        public var createdBy: String?
        public var createdAt: Date
        public var startAt: Date
    }

    public func drills(limit: Int = 200) async throws -> [StoredDrill] {
        try await database.query("SELECT * FROM drills ORDER BY created_at DESC LIMIT ?", [.integer(Int64(limit))]).map(Self.drill)
    }

    public func drill(_ id: String) async throws -> StoredDrill? {
        try await database.query("SELECT * FROM drills WHERE id = ?", [.text(id)]).first.map(Self.drill)
    }

    static func drill(_ row: SQLRow) throws -> StoredDrill {
        StoredDrill(
            id: try row.text("id"),
            name: try row.text("name"),
            scenario: try row.text("scenario"),
            createdBy: try row.optionalText("created_by"),
            createdAt: Date(unixMilliseconds: try row.integer("created_at")),
            startAt: Date(unixMilliseconds: try row.integer("started_at"))
        )
    }

    /// Injects due by `now` and not yet sent, oldest first: (drill, inject number, recipients).
    public func dueInjects(now: Date) async throws -> [(drill: String, inject: Int, recipients: [ParticipantID])] {
        let rows = try await database.query(
            "SELECT drill_id, inject, recipient FROM drill_injects WHERE sent_at IS NULL AND due_at <= ? ORDER BY due_at, drill_id, inject, recipient",
            [.integer(now.unixMilliseconds)]
        )
        var due: [(drill: String, inject: Int, recipients: [ParticipantID])] = []
        for row in rows {
            let drill = try row.text("drill_id")
            let inject = Int(try row.integer("inject"))
            guard let recipient = ParticipantID(try row.text("recipient")) else { continue }
            if let last = due.last, last.drill == drill, last.inject == inject {
                due[due.count - 1].recipients.append(recipient)
            } else {
                due.append((drill, inject, [recipient]))
            }
        }
        return due
    }

    /// One drill inject to one recipient: sent in the same transaction as the message that carries it.
    public struct InjectDelivery: Sendable {
        public let drill: String
        public let inject: Int
        public let recipient: ParticipantID
        public init(drill: String, inject: Int, recipient: ParticipantID) {
            self.drill = drill
            self.inject = inject
            self.recipient = recipient
        }
    }

    /// Marks `delivery` sent as `messageID`, inside the transaction that stores the message; fails
    /// (and so stores no message) if it was marked already, so an inject goes out exactly once.
    static func markSent(_ delivery: InjectDelivery, messageID: String, at: Date, in db: any SQLExecutor) async throws {
        let marked = try await db.query(
            """
            UPDATE drill_injects SET sent_at = ?, message_id = ?
            WHERE drill_id = ? AND inject = ? AND recipient = ? AND sent_at IS NULL RETURNING inject
            """,
            [
                .integer(at.unixMilliseconds), .text(messageID), .text(delivery.drill), .integer(Int64(delivery.inject)),
                .text(delivery.recipient.rawValue),
            ]
        )
        guard !marked.isEmpty else {
            throw StorageError.notFound("an unsent inject \(delivery.inject) of drill \(delivery.drill) to \(delivery.recipient)")
        }
    }

    /// Each inject at each recipient, with the hotline's record of its acknowledgement.
    public func drillDeliveries(_ drill: String, subjects: [Int: String]) async throws -> [AfterActionReport.Delivery] {
        let rows = try await database.query(
            """
            SELECT i.inject, i.recipient, i.due_at, i.sent_at, i.message_id, m.ack_by, d.acked_at
            FROM drill_injects i
            LEFT JOIN messages m ON m.id = i.message_id
            LEFT JOIN deliveries d ON d.message_id = i.message_id AND d.recipient = i.recipient
            WHERE i.drill_id = ? ORDER BY i.inject, i.recipient
            """,
            [.text(drill)]
        )
        return try rows.compactMap { row in
            guard let recipient = ParticipantID(try row.text("recipient")) else { return nil }
            let inject = Int(try row.integer("inject"))
            return AfterActionReport.Delivery(
                inject: inject,
                recipient: recipient,
                subject: subjects[inject] ?? "",
                dueAt: try row.integer("due_at"),
                sentAt: try row.optionalInteger("sent_at"),
                messageID: try row.optionalText("message_id"),
                acknowledgeBy: try row.optionalInteger("ack_by"),
                acknowledgedAt: try row.optionalInteger("acked_at")
            )
        }
    }
}
