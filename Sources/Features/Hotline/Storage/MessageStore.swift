import EntenteProtocol
import Foundation
import Hotline
import SQLKit

/// Hotline messages and their deliveries: sent and received, each with its envelope in one transaction.
extension NodeStore {
    /// Records an outgoing hotline message and queues it for every recipient, atomically;
    /// `inject` is the drill inject it carries, marked sent in the same transaction.
    public func recordOutgoing(
        _ envelope: Envelope,
        message: HotlineMessage,
        composedBy: String?,
        inject: InjectDelivery? = nil,
        now: Date
    ) async throws {
        try await database.transaction { db in
            if let inject { try await Self.markSent(inject, messageID: envelope.id, at: now, in: db) }
            try await Self.insertEnvelope(envelope, direction: .outgoing, now: now, into: db)
            try await Self.insertMessage(envelope, message, direction: .outgoing, composedBy: composedBy, now: now, into: db)
            for recipient in envelope.recipients {
                try await db.run("INSERT INTO deliveries (message_id, recipient) VALUES (\(bind: envelope.id), \(bind: recipient.rawValue))")
                try await Self.enqueue(envelope, to: recipient, now: now, into: db)
            }
        }
    }

    /// Records this node's person's acknowledgement of an incoming message and queues
    /// the signed acknowledgement to its sender. `false` if it was already acknowledged.
    public func recordAcknowledgement(of messageID: String, by person: String, envelope: Envelope, now: Date) async throws -> Bool {
        try await database.transaction { db in
            let updated = try await db.changes(
                """
                UPDATE messages SET acked_at = \(bind: Milliseconds(now)), acked_by = \(bind: person)
                WHERE id = \(bind: messageID) AND direction = 'in' AND acked_at IS NULL RETURNING id
                """
            )
            guard updated else { return false }
            try await Self.insertEnvelope(envelope, direction: .outgoing, now: now, into: db)
            for recipient in envelope.recipients { try await Self.enqueue(envelope, to: recipient, now: now, into: db) }
            return true
        }
    }

    /// Stores a verified incoming message. Returns when it was first stored: a
    /// replay of the same envelope id stores nothing and returns the original time.
    public func recordIncoming(_ envelope: Envelope, message: HotlineMessage, now: Date) async throws -> Date {
        try await database.transaction { db in
            if let first = try await Self.insertEnvelopeOnce(envelope, now: now, into: db) { return first }
            try await Self.insertMessage(envelope, message, direction: .incoming, composedBy: nil, now: now, into: db)
            return now
        }
    }

    /// Stores a verified incoming acknowledgement and marks the delivery it answers.
    /// Fails if the sender was not a recipient of that message.
    public func recordIncoming(_ envelope: Envelope, acknowledgement: Acknowledgement, now: Date) async throws -> Date {
        try await database.transaction { db in
            let delivery = try await db.value(
                """
                SELECT m.id FROM deliveries d JOIN messages m ON m.id = d.message_id
                WHERE d.message_id = \(bind: acknowledgement.messageID) AND d.recipient = \(bind: envelope.sender.rawValue) AND m.direction = 'out'
                """,
                as: String.self
            )
            guard delivery != nil else { throw StorageError.notFound("message \(acknowledgement.messageID) sent to \(envelope.sender)") }
            if let first = try await Self.insertEnvelopeOnce(envelope, now: now, into: db) { return first }
            let acknowledgedAt = Timestamp.milliseconds(acknowledgement.acknowledgedAt) ?? now.unixMilliseconds
            try await db.run(
                """
                UPDATE deliveries SET acked_at = \(bind: acknowledgedAt), acked_by = \(bind: "\(acknowledgement.acknowledgedBy) (\(acknowledgement.role))")
                WHERE message_id = \(bind: acknowledgement.messageID) AND recipient = \(bind: envelope.sender.rawValue) AND acked_at IS NULL
                """
            )
            return now
        }
    }

    /// A row of `messages`: the hotline message as sent or received, its JSON parts as canonical text.
    struct MessageRow: Codable, Sendable {
        var id: String
        var direction: Direction
        var sender: String
        var recipients: String
        var template: Template
        var priority: Priority
        var subject: String
        var body: String
        var language: String
        var fields: String
        var attachments: String
        var caseRef: String?
        var inReplyTo: String?
        var tlp: TLP
        var exercise: Int64
        var sentAt: Milliseconds
        var receivedAt: Milliseconds
        var ackBy: Milliseconds
        var ackedAt: Milliseconds?
        var ackedBy: String?
        var composedBy: String?

        init(_ envelope: Envelope, _ message: HotlineMessage, direction: Direction, composedBy: String?, now: Date) throws {
            id = envelope.id
            self.direction = direction
            sender = envelope.sender.rawValue
            recipients = try JSONValue(encoding: envelope.recipients).canonicalString
            template = message.template
            priority = message.priority
            subject = message.subject
            body = message.body
            language = message.language
            fields = try JSONValue(encoding: message.fields).canonicalString
            attachments = try JSONValue(encoding: message.attachments).canonicalString
            caseRef = message.caseReference
            inReplyTo = message.inReplyTo
            tlp = envelope.tlp
            exercise = envelope.exercise ? 1 : 0
            sentAt = Milliseconds(value: Timestamp.milliseconds(envelope.createdAt) ?? now.unixMilliseconds)
            receivedAt = Milliseconds(now)
            ackBy = Milliseconds(value: Timestamp.milliseconds(message.acknowledgeBy) ?? now.unixMilliseconds)
            self.composedBy = composedBy
        }

        var stored: StoredMessage {
            get throws {
                func decode<T: Decodable>(_ text: String, as type: T.Type) throws -> T { try JSONDecoder().decode(type, from: Data(text.utf8)) }
                return StoredMessage(
                    id: id,
                    direction: direction,
                    sender: sender,
                    recipients: try decode(recipients, as: [String].self),
                    content: HotlineMessage(
                        template: template,
                        priority: priority,
                        subject: subject,
                        body: body,
                        language: language,
                        fields: try decode(fields, as: [String: String].self),
                        attachments: try decode(attachments, as: [HotlineMessage.Attachment].self),
                        caseReference: caseRef,
                        inReplyTo: inReplyTo,
                        acknowledgeBy: Timestamp.format(milliseconds: ackBy.value)
                    ),
                    tlp: tlp,
                    exercise: exercise != 0,
                    sentAt: sentAt.date,
                    receivedAt: receivedAt.date,
                    acknowledgeBy: ackBy.date,
                    acknowledgedAt: ackedAt?.date,
                    acknowledgedBy: ackedBy,
                    composedBy: composedBy,
                    deliveries: []
                )
            }
        }
    }

    /// A row of `deliveries`: one recipient's copy of an outgoing message.
    struct DeliveryRow: Codable, Sendable {
        var messageId: String
        var recipient: String
        var deliveredAt: Milliseconds?
        var receipt: String?
        var ackedAt: Milliseconds?
        var ackedBy: String?
    }

    static func insertMessage(
        _ envelope: Envelope,
        _ message: HotlineMessage,
        direction: Direction,
        composedBy: String?,
        now: Date,
        into db: any SQLDatabase
    ) async throws {
        try await db.insert(into: "messages", try MessageRow(envelope, message, direction: direction, composedBy: composedBy, now: now))
    }

    public func messages(direction: Direction, limit: Int = 200) async throws -> [StoredMessage] {
        try await withDeliveries(
            sql.rows(
                "SELECT * FROM messages WHERE direction = \(bind: direction) ORDER BY received_at DESC, id DESC LIMIT \(bind: limit)",
                as: MessageRow.self
            ).map { try $0.stored }
        )
    }

    public func message(_ id: String) async throws -> StoredMessage? {
        guard let row = try await sql.row("SELECT * FROM messages WHERE id = \(bind: id)", as: MessageRow.self) else { return nil }
        return try await withDeliveries([try row.stored]).first
    }

    /// The message, what it answers, and every answer to it, oldest first.
    public func thread(of id: String) async throws -> [StoredMessage] {
        guard var root = try await message(id) else { return [] }
        var seen: Set<String> = [root.id]
        while let parentID = root.content.inReplyTo, !seen.contains(parentID), let parent = try await message(parentID) {
            root = parent
            seen.insert(parentID)
        }
        seen = [root.id]
        var thread = [root]
        var frontier = [root.id]
        while !frontier.isEmpty, thread.count < 500 {
            let replies = try await withDeliveries(
                sql.rows("SELECT * FROM messages WHERE in_reply_to IN (\(binds: frontier)) ORDER BY sent_at", as: MessageRow.self).map {
                    try $0.stored
                }
            ).filter { !seen.contains($0.id) }
            seen.formUnion(replies.map(\.id))
            thread += replies
            frontier = replies.map(\.id)
        }
        return thread.sorted { $0.sentAt < $1.sentAt }
    }

    func withDeliveries(_ messages: [StoredMessage]) async throws -> [StoredMessage] {
        let outgoing = messages.filter { $0.direction == .outgoing }.map(\.id)
        guard !outgoing.isEmpty else { return messages }
        let rows = try await sql.rows(
            "SELECT * FROM deliveries WHERE message_id IN (\(binds: outgoing)) ORDER BY recipient",
            as: DeliveryRow.self
        )
        let byMessage = Dictionary(grouping: rows, by: \.messageId).mapValues { rows in
            rows.map { row in
                Delivery(
                    recipient: row.recipient,
                    deliveredAt: row.deliveredAt?.date,
                    receipt: row.receipt,
                    acknowledgedAt: row.ackedAt?.date,
                    acknowledgedBy: row.ackedBy
                )
            }
        }
        return messages.map { message in
            var message = message
            message.deliveries = byMessage[message.id] ?? []
            return message
        }
    }

    /// Messages past their acknowledgement deadline without one: incoming ones
    /// this node owes an answer to, outgoing ones a peer owes an answer to.
    public func overdueCounts(now: Date) async throws -> (incoming: Int64, outgoing: Int64) {
        let incoming =
            try await sql.value(
                "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND acked_at IS NULL AND ack_by < \(bind: Milliseconds(now))",
                as: Int64.self
            ) ?? 0
        let outgoing =
            try await sql.value(
                """
                SELECT COUNT(DISTINCT m.id) FROM messages m JOIN deliveries d ON d.message_id = m.id
                WHERE m.direction = 'out' AND d.acked_at IS NULL AND m.ack_by < \(bind: Milliseconds(now))
                """,
                as: Int64.self
            ) ?? 0
        return (incoming, outgoing)
    }
}
