import Foundation
import SQLKit

/// Communication checks, read from the hotline messages that carried them.
extension NodeStore {
    public func communicationChecks(limit: Int = 1000) async throws -> [CommunicationCheck] {
        struct Row: Decodable {
            var id: String
            var sentAt: Milliseconds
            var recipient: String
            var deliveredAt: Milliseconds?
            var ackedAt: Milliseconds?
        }
        return try await sql.rows(
            """
            SELECT m.id, m.sent_at, d.recipient, d.delivered_at, d.acked_at FROM messages m JOIN deliveries d ON d.message_id = m.id
            WHERE m.direction = 'out' AND m.template = 'communication-check' ORDER BY m.sent_at DESC, d.recipient LIMIT \(bind: limit)
            """,
            as: Row.self
        ).map { row in
            CommunicationCheck(
                messageID: row.id,
                peer: row.recipient,
                sentAt: row.sentAt.date,
                deliveredAt: row.deliveredAt?.date,
                acknowledgedAt: row.ackedAt?.date
            )
        }
    }
}
