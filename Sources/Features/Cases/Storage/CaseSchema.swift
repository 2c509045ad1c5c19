extension Schema {
    /// Case events as the signed documents they arrived as, and the escalations this node raised.
    public static let cases = Schema(
        "cases",
        migrations: [
            [
                """
                CREATE TABLE case_events (
                    id TEXT PRIMARY KEY, case_id TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL,
                    at BIGINT NOT NULL, stored_at BIGINT NOT NULL, document TEXT NOT NULL
                )
                """,
                "CREATE INDEX case_events_by_case ON case_events (case_id, stored_at)",
                """
                CREATE TABLE case_escalations (
                    item_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, owed_by TEXT NOT NULL, due_at BIGINT NOT NULL,
                    raised_at BIGINT NOT NULL, summary TEXT NOT NULL
                )
                """,
            ],
            [
                .constrain(
                    "case_events",
                    [
                        .oneOf(
                            "kind",
                            [
                                "report", "notification", "acknowledgement", "request", "response", "evidence", "consultation",
                                "referral", "attribution", "statement", "cosignature", "resolution", "follow-up", "follow-up-done",
                                "closure",
                            ]
                        )
                    ]
                )
            ],
        ]
    )
}
