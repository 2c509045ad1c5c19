extension Schema {
    /// Hotline messages, and each recipient's delivery of the ones sent.
    public static let hotline = Schema(
        "hotline",
        migrations: [
            [
                """
                CREATE TABLE messages (
                    id TEXT PRIMARY KEY REFERENCES envelopes(id), direction TEXT NOT NULL, sender TEXT NOT NULL,
                    recipients TEXT NOT NULL, template TEXT NOT NULL, priority TEXT NOT NULL, subject TEXT NOT NULL,
                    body TEXT NOT NULL, language TEXT NOT NULL, fields TEXT NOT NULL, attachments TEXT NOT NULL,
                    case_ref TEXT, in_reply_to TEXT, tlp TEXT NOT NULL, exercise BIGINT NOT NULL,
                    sent_at BIGINT NOT NULL, received_at BIGINT NOT NULL, ack_by BIGINT NOT NULL,
                    acked_at BIGINT, acked_by TEXT, composed_by TEXT
                )
                """,
                "CREATE INDEX messages_by_direction ON messages (direction, received_at)",
                "CREATE INDEX messages_by_thread ON messages (in_reply_to)",
                """
                CREATE TABLE deliveries (
                    message_id TEXT NOT NULL REFERENCES messages(id), recipient TEXT NOT NULL,
                    delivered_at BIGINT, receipt TEXT, acked_at BIGINT, acked_by TEXT,
                    PRIMARY KEY (message_id, recipient)
                )
                """,
            ],
            [
                .constrain(
                    "messages",
                    [
                        .oneOf("direction", ["in", "out"]), .oneOf("priority", ["routine", "urgent", "flash"]),
                        .oneOf("tlp", ["clear", "green", "amber", "amber+strict", "red"]), .boolean("exercise"),
                    ]
                )
            ],
        ]
    )
}
