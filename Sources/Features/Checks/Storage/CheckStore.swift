import Foundation

/// Communication checks, read from the hotline messages that carried them.
extension NodeStore {
    public func communicationChecks(limit: Int = 1000) async throws -> [CommunicationCheck] {
        try await database.query(
            """
            SELECT m.id, m.sent_at, d.recipient, d.delivered_at, d.acked_at FROM messages m JOIN deliveries d ON d.message_id = m.id
            WHERE m.direction = 'out' AND m.template = 'communication-check' ORDER BY m.sent_at DESC, d.recipient LIMIT ?
            """,
            [.integer(Int64(limit))]
        ).map { row in
            CommunicationCheck(
                messageID: try row.text("id"),
                peer: try row.text("recipient"),
                sentAt: Date(unixMilliseconds: try row.integer("sent_at")),
                deliveredAt: try row.optionalInteger("delivered_at").map(Date.init(unixMilliseconds:)),
                acknowledgedAt: try row.optionalInteger("acked_at").map(Date.init(unixMilliseconds:))
            )
        }
    }
}
