extension Schema {
    /// Logs scanned on this node (a run per log) and what each found.
    public static let detection = Schema(
        "detection",
        migrations: [
            [
                """
                CREATE TABLE detection_runs (
                    id TEXT PRIMARY KEY, log_name TEXT NOT NULL, submitted_by TEXT NOT NULL, started_at BIGINT NOT NULL,
                    finished_at BIGINT NOT NULL, summary TEXT NOT NULL, indicators INTEGER NOT NULL, findings INTEGER NOT NULL
                )
                """,
                // score_milli: the score in thousandths, an integer on both databases. tlp: the matched indicator's, or
                // amber for what the node found on its own (the CERT's own network is not for the public); recipients:
                // a TLP:RED indicator's named recipients, as `,A,B,`, who alone may read what it found.
                """
                CREATE TABLE detection_findings (
                    id TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES detection_runs(id), kind TEXT NOT NULL,
                    score_milli INTEGER NOT NULL, source TEXT, destination TEXT, domain TEXT, value TEXT, indicator TEXT,
                    count BIGINT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, reasons TEXT NOT NULL,
                    explanation TEXT, tlp TEXT NOT NULL, recipients TEXT NOT NULL, sighting TEXT, case_id TEXT, created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX detection_findings_by_time ON detection_findings (created_at)",
                "CREATE INDEX detection_findings_by_run ON detection_findings (run_id)",
            ]
        ]
    )
}
