extension Schema {
    /// Drills and, per inject and recipient, when it is due and when it was sent.
    public static let drills = Schema(
        "drills",
        migrations: [
            [
                """
                CREATE TABLE drills (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, scenario TEXT NOT NULL, created_by TEXT,
                    created_at BIGINT NOT NULL, started_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE drill_injects (
                    drill_id TEXT NOT NULL REFERENCES drills(id), inject INTEGER NOT NULL, recipient TEXT NOT NULL,
                    due_at BIGINT NOT NULL, sent_at BIGINT, message_id TEXT,
                    PRIMARY KEY (drill_id, inject, recipient)
                )
                """,
                "CREATE INDEX drill_injects_by_due ON drill_injects (sent_at, due_at)",
            ]
        ]
    )
}
