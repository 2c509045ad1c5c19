import EntenteProtocol
import Foundation
import Multilateral
import SQLKit

/// Drills and their injects: when each is due to each recipient, and when it was sent.
extension NodeStore {
    /// Records a drill and, for each inject and recipient, when it is due.
    public func createDrill(id: String, scenario: DrillScenario, document: String, createdBy: String?, startAt: Date, now: Date) async throws {
        let drill = DrillRow(
            id: id,
            name: scenario.name,
            scenario: document,
            createdBy: createdBy,
            createdAt: Milliseconds(now),
            startedAt: Milliseconds(startAt)
        )
        let injects = scenario.injects.enumerated().flatMap { position, inject in
            inject.to.map { recipient in
                InjectRow(
                    drillId: id,
                    inject: Int64(position + 1),
                    recipient: recipient.rawValue,
                    dueAt: Milliseconds(value: startAt.unixMilliseconds + Int64(inject.offsetSeconds) * 1000)
                )
            }
        }
        try await database.transaction { db in
            try await db.insert(into: "drills", drill)
            if !injects.isEmpty { try await db.insert(into: "drill_injects").models(injects, with: .columns).run() }
        }
    }

    /// A row of `drills`.
    struct DrillRow: Codable, Sendable {
        var id: String
        var name: String
        var scenario: String
        var createdBy: String?
        var createdAt: Milliseconds
        var startedAt: Milliseconds

        var drill: StoredDrill {
            StoredDrill(id: id, name: name, scenario: scenario, createdBy: createdBy, createdAt: createdAt.date, startAt: startedAt.date)
        }
    }

    /// A row of `drill_injects`: one inject owed to one recipient.
    struct InjectRow: Codable, Sendable {
        var drillId: String
        var inject: Int64
        var recipient: String
        var dueAt: Milliseconds
        var sentAt: Milliseconds?
        var messageId: String?
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
        try await sql.rows("SELECT * FROM drills ORDER BY created_at DESC LIMIT \(bind: limit)", as: DrillRow.self).map(\.drill)
    }

    public func drill(_ id: String) async throws -> StoredDrill? {
        try await sql.row("SELECT * FROM drills WHERE id = \(bind: id)", as: DrillRow.self)?.drill
    }

    /// Injects due by `now` and not yet sent, oldest first: (drill, inject number, recipients).
    public func dueInjects(now: Date) async throws -> [(drill: String, inject: Int, recipients: [ParticipantID])] {
        let rows = try await sql.rows(
            "SELECT * FROM drill_injects WHERE sent_at IS NULL AND due_at <= \(bind: Milliseconds(now)) ORDER BY due_at, drill_id, inject, recipient",
            as: InjectRow.self
        )
        var due: [(drill: String, inject: Int, recipients: [ParticipantID])] = []
        for row in rows {
            let drill = row.drillId
            let inject = Int(row.inject)
            guard let recipient = ParticipantID(row.recipient) else { continue }
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
    static func markSent(_ delivery: InjectDelivery, messageID: String, at: Date, in db: any SQLDatabase) async throws {
        let marked = try await db.changes(
            """
            UPDATE drill_injects SET sent_at = \(bind: Milliseconds(at)), message_id = \(bind: messageID)
            WHERE drill_id = \(bind: delivery.drill) AND inject = \(bind: delivery.inject) AND recipient = \(bind: delivery.recipient.rawValue)
                AND sent_at IS NULL RETURNING inject
            """
        )
        guard marked else {
            throw StorageError.notFound("an unsent inject \(delivery.inject) of drill \(delivery.drill) to \(delivery.recipient)")
        }
    }

    /// Each inject at each recipient, with the hotline's record of its acknowledgement.
    public func drillDeliveries(_ drill: String, subjects: [Int: String]) async throws -> [AfterActionReport.Delivery] {
        struct Row: Decodable {
            var inject: Int
            var recipient: String
            var dueAt: Int64
            var sentAt: Int64?
            var messageId: String?
            var ackBy: Int64?
            var ackedAt: Int64?
        }
        let rows = try await sql.rows(
            """
            SELECT i.inject, i.recipient, i.due_at, i.sent_at, i.message_id, m.ack_by, d.acked_at
            FROM drill_injects i
            LEFT JOIN messages m ON m.id = i.message_id
            LEFT JOIN deliveries d ON d.message_id = i.message_id AND d.recipient = i.recipient
            WHERE i.drill_id = \(bind: drill) ORDER BY i.inject, i.recipient
            """,
            as: Row.self
        )
        return rows.compactMap { row in
            guard let recipient = ParticipantID(row.recipient) else { return nil }
            return AfterActionReport.Delivery(
                inject: row.inject,
                recipient: recipient,
                subject: subjects[row.inject] ?? "",
                dueAt: row.dueAt,
                sentAt: row.sentAt,
                messageID: row.messageId,
                acknowledgeBy: row.ackBy,
                acknowledgedAt: row.ackedAt
            )
        }
    }
}
