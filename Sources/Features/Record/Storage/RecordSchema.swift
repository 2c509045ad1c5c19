extension Schema {
    /// Entries of the multilateral record, in every space, as the signed documents they arrived as.
    public static let record = Schema(
        "record",
        migrations: [
            [
                """
                CREATE TABLE record_entries (
                    id TEXT PRIMARY KEY, space TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL,
                    at BIGINT NOT NULL, stored_at BIGINT NOT NULL, document TEXT NOT NULL
                )
                """,
                "CREATE INDEX record_entries_by_space ON record_entries (space, at)",
            ],
            [
                .constrain(
                    "record_entries",
                    [
                        .oneOf(
                            "kind",
                            [
                                "forum", "proposal", "amendment", "amendment-decision", "vote-call", "ballot", "result", "agreement",
                                "agreement-signature", "norm", "commitment", "allegation", "cbm-status", "capacity-request",
                                "capacity-offer", "capacity-match", "capacity-progress",
                            ]
                        )
                    ]
                )
            ],
        ]
    )
}
