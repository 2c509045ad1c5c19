extension Schema {
    /// The node's transparency log, and what it keeps as a witness and a monitor of its peers' logs.
    ///
    /// Entries are appended to `tlog_pending` in the transaction of the document they name, then given their
    /// index, in order, by the integrator (`NodeStore.integrateLog`), which also writes the tiles and signs the
    /// checkpoint, in one transaction: a crash leaves either the batch integrated or still pending.
    public static let transparencyLog = Schema(
        "transparency-log",
        migrations: [
            [
                "CREATE TABLE tlog_pending (leaf_hash TEXT PRIMARY KEY, entry TEXT NOT NULL, appended_at BIGINT NOT NULL)",
                "CREATE INDEX tlog_pending_in_order ON tlog_pending (appended_at, leaf_hash)",
                "CREATE TABLE tlog_entries (idx BIGINT PRIMARY KEY CHECK (idx >= 0), entry TEXT NOT NULL, leaf_hash TEXT NOT NULL UNIQUE)",
                """
                CREATE TABLE tlog_tiles (
                    level BIGINT NOT NULL CHECK (level BETWEEN 0 AND 63), idx BIGINT NOT NULL CHECK (idx >= 0),
                    width BIGINT NOT NULL CHECK (width BETWEEN 1 AND 256), hashes TEXT NOT NULL, PRIMARY KEY (level, idx)
                )
                """,
                "CREATE TABLE tlog_checkpoints (size BIGINT PRIMARY KEY CHECK (size >= 0), note TEXT NOT NULL, signed_at BIGINT NOT NULL)",
                """
                CREATE TABLE tlog_cosignatures (
                    size BIGINT NOT NULL REFERENCES tlog_checkpoints(size), witness TEXT NOT NULL, line TEXT NOT NULL,
                    cosigned_at BIGINT NOT NULL, PRIMARY KEY (size, witness)
                )
                """,
                """
                CREATE TABLE tlog_cosigners (
                    witness TEXT PRIMARY KEY, size BIGINT NOT NULL CHECK (size >= 0), cosigned_at BIGINT,
                    attempted_at BIGINT, last_error TEXT, failures BIGINT NOT NULL CHECK (failures >= 0)
                )
                """,
                """
                CREATE TABLE tlog_witnessed (
                    origin TEXT NOT NULL, size BIGINT NOT NULL CHECK (size >= 0), root TEXT NOT NULL, note TEXT NOT NULL,
                    cosigned_at BIGINT NOT NULL, PRIMARY KEY (origin, size)
                )
                """,
                """
                CREATE TABLE tlog_equivocations (
                    id TEXT PRIMARY KEY, origin TEXT NOT NULL, proof TEXT NOT NULL, detected_at BIGINT NOT NULL, source TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE tlog_monitored (
                    origin TEXT PRIMARY KEY, size BIGINT NOT NULL CHECK (size >= 0), frontier TEXT NOT NULL, note TEXT NOT NULL,
                    checked_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE tlog_expected (
                    origin TEXT NOT NULL, leaf_hash TEXT NOT NULL, received_at BIGINT NOT NULL, found_at BIGINT,
                    PRIMARY KEY (origin, leaf_hash)
                )
                """,
                "CREATE INDEX tlog_expected_unfound ON tlog_expected (origin, received_at) WHERE found_at IS NULL",
                """
                CREATE TABLE tlog_alerts (
                    origin TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('equivocation', 'unlogged', 'inconsistent')),
                    detail TEXT NOT NULL, raised_at BIGINT NOT NULL, last_raised_at BIGINT NOT NULL, count BIGINT NOT NULL CHECK (count >= 1),
                    PRIMARY KEY (origin, kind)
                )
                """,
                "CREATE TABLE tlog_state (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            ]
        ]
    )
}
