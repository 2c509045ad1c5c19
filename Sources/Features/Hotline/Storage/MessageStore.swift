import EntenteProtocol
import Foundation
import Hotline

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
                try await db.query(
                    "INSERT INTO deliveries (message_id, recipient) VALUES (?, ?)",
                    [.text(envelope.id), .text(recipient.rawValue)]
                )
                try await Self.enqueue(envelope, to: recipient, now: now, into: db)
            }
        }
    }

    /// Records this node's person's acknowledgement of an incoming message and queues
    /// the signed acknowledgement to its sender. `false` if it was already acknowledged.
    public func recordAcknowledgement(of messageID: String, by person: String, envelope: Envelope, now: Date) async throws -> Bool {
        try await database.transaction { db in
            let updated = try await db.query(
                """
                UPDATE messages SET acked_at = ?, acked_by = ?
                WHERE id = ? AND direction = 'in' AND acked_at IS NULL RETURNING id
                """,
                [.integer(now.unixMilliseconds), .text(person), .text(messageID)]
            )
            guard !updated.isEmpty else { return false }
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
            let delivery = try await db.query(
                "SELECT m.id FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE d.message_id = ? AND d.recipient = ? AND m.direction = 'out'",
                [.text(acknowledgement.messageID), .text(envelope.sender.rawValue)]
            )
            guard !delivery.isEmpty else { throw StorageError.notFound("message \(acknowledgement.messageID) sent to \(envelope.sender)") }
            if let first = try await Self.insertEnvelopeOnce(envelope, now: now, into: db) { return first }
            let acknowledgedAt = Timestamp.milliseconds(acknowledgement.acknowledgedAt) ?? now.unixMilliseconds
            try await db.query(
                "UPDATE deliveries SET acked_at = ?, acked_by = ? WHERE message_id = ? AND recipient = ? AND acked_at IS NULL",
                [
                    .integer(acknowledgedAt), .text("\(acknowledgement.acknowledgedBy) (\(acknowledgement.role))"),
                    .text(acknowledgement.messageID), .text(envelope.sender.rawValue),
                ]
            )
            return now
        }
    }

    static func insertMessage(
        _ envelope: Envelope,
        _ message: HotlineMessage,
        direction: Direction,
        composedBy: String?,
        now: Date,
        into db: any SQLExecutor
    ) async throws {
        try await db.query(
            """
            INSERT INTO messages (id, direction, sender, recipients, template, priority, subject, body, language, fields,
                attachments, case_ref, in_reply_to, tlp, exercise, sent_at, received_at, ack_by, composed_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(envelope.id), .text(direction.rawValue), .text(envelope.sender.rawValue),
                .text(try JSONValue(encoding: envelope.recipients).canonicalString), .text(message.template.rawValue),
                .text(message.priority.rawValue), .text(message.subject), .text(message.body), .text(message.language),
                .text(try JSONValue(encoding: message.fields).canonicalString), .text(try JSONValue(encoding: message.attachments).canonicalString),
                SQLValue(message.caseReference), SQLValue(message.inReplyTo), .text(envelope.tlp.rawValue), SQLValue(envelope.exercise),
                .integer(Timestamp.milliseconds(envelope.createdAt) ?? now.unixMilliseconds), .integer(now.unixMilliseconds),
                .integer(Timestamp.milliseconds(message.acknowledgeBy) ?? now.unixMilliseconds), SQLValue(composedBy),
            ]
        )
    }

    public func messages(direction: Direction, limit: Int = 200) async throws -> [StoredMessage] {
        let rows = try await database.query(
            "SELECT * FROM messages WHERE direction = ? ORDER BY received_at DESC, id DESC LIMIT ?",
            [.text(direction.rawValue), .integer(Int64(limit))]
        )
        return try await withDeliveries(rows.map(Self.message))
    }

    public func message(_ id: String) async throws -> StoredMessage? {
        try await withDeliveries(database.query("SELECT * FROM messages WHERE id = ?", [.text(id)]).map(Self.message)).first
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
            let binds = frontier.map(SQLValue.text)
            let placeholders = Array(repeating: "?", count: binds.count).joined(separator: ", ")
            let replies = try await withDeliveries(
                database.query("SELECT * FROM messages WHERE in_reply_to IN (\(placeholders)) ORDER BY sent_at", binds).map(Self.message)
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
        let placeholders = Array(repeating: "?", count: outgoing.count).joined(separator: ", ")
        let rows = try await database.query(
            "SELECT * FROM deliveries WHERE message_id IN (\(placeholders)) ORDER BY recipient",
            outgoing.map(SQLValue.text)
        )
        var byMessage: [String: [Delivery]] = [:]
        for row in rows {
            byMessage[try row.text("message_id"), default: []].append(
                Delivery(
                    recipient: try row.text("recipient"),
                    deliveredAt: try row.optionalInteger("delivered_at").map(Date.init(unixMilliseconds:)),
                    receipt: try row.optionalText("receipt"),
                    acknowledgedAt: try row.optionalInteger("acked_at").map(Date.init(unixMilliseconds:)),
                    acknowledgedBy: try row.optionalText("acked_by")
                )
            )
        }
        return messages.map { message in
            var message = message
            message.deliveries = byMessage[message.id] ?? []
            return message
        }
    }

    static func message(_ row: SQLRow) throws -> StoredMessage {
        func decode<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
            try JSONDecoder().decode(type, from: Data(try row.text(column).utf8))
        }
        let direction = try row.value("direction", as: Direction.self)
        let template = try row.value("template", as: Template.self)
        let priority = try row.value("priority", as: Priority.self)
        let tlp = try row.value("tlp", as: TLP.self)
        let acknowledgeBy = try row.integer("ack_by")
        return StoredMessage(
            id: try row.text("id"),
            direction: direction,
            sender: try row.text("sender"),
            recipients: try decode("recipients", as: [String].self),
            content: HotlineMessage(
                template: template,
                priority: priority,
                subject: try row.text("subject"),
                body: try row.text("body"),
                language: try row.text("language"),
                fields: try decode("fields", as: [String: String].self),
                attachments: try decode("attachments", as: [HotlineMessage.Attachment].self),
                caseReference: try row.optionalText("case_ref"),
                inReplyTo: try row.optionalText("in_reply_to"),
                acknowledgeBy: Timestamp.format(milliseconds: acknowledgeBy)
            ),
            tlp: tlp,
            exercise: try row.bool("exercise"),
            sentAt: Date(unixMilliseconds: try row.integer("sent_at")),
            receivedAt: Date(unixMilliseconds: try row.integer("received_at")),
            acknowledgeBy: Date(unixMilliseconds: acknowledgeBy),
            acknowledgedAt: try row.optionalInteger("acked_at").map(Date.init(unixMilliseconds:)),
            acknowledgedBy: try row.optionalText("acked_by"),
            composedBy: try row.optionalText("composed_by"),
            deliveries: []
        )
    }

    /// Messages past their acknowledgement deadline without one: incoming ones
    /// this node owes an answer to, outgoing ones a peer owes an answer to.
    public func overdueCounts(now: Date) async throws -> (incoming: Int64, outgoing: Int64) {
        let incoming =
            try await database.query(
                "SELECT COUNT(*) AS n FROM messages WHERE direction = 'in' AND acked_at IS NULL AND ack_by < ?",
                [.integer(now.unixMilliseconds)]
            ).first?.integer("n") ?? 0
        let outgoing =
            try await database.query(
                """
                SELECT COUNT(DISTINCT m.id) AS n FROM messages m JOIN deliveries d ON d.message_id = m.id
                WHERE m.direction = 'out' AND d.acked_at IS NULL AND m.ack_by < ?
                """,
                [.integer(now.unixMilliseconds)]
            ).first?.integer("n") ?? 0
        return (incoming, outgoing)
    }
}
