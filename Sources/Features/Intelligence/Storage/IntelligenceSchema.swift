extension Schema {
    /// TAXII collections, partner accounts and their grants, STIX objects with their markings, status
    /// resources, and subscriptions to partners' collections.
    public static let intelligence = Schema(
        "intelligence",
        migrations: [
            [
                """
                CREATE TABLE taxii_collections (
                    id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, default_tlp TEXT NOT NULL, created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE taxii_accounts (
                    name TEXT PRIMARY KEY, relation TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE taxii_grants (
                    account TEXT NOT NULL REFERENCES taxii_accounts(name) ON DELETE CASCADE, collection TEXT NOT NULL REFERENCES taxii_collections(id),
                    can_read BIGINT NOT NULL, can_write BIGINT NOT NULL, PRIMARY KEY (account, collection)
                )
                """,
                """
                CREATE TABLE stix_objects (
                    collection TEXT NOT NULL, id TEXT NOT NULL, version TEXT NOT NULL, version_us BIGINT NOT NULL, date_added BIGINT NOT NULL,
                    type TEXT NOT NULL, spec_version TEXT NOT NULL, tlp TEXT NOT NULL, recipients TEXT NOT NULL, from_here BIGINT NOT NULL,
                    latest BIGINT NOT NULL, earliest BIGINT NOT NULL, document TEXT NOT NULL,
                    PRIMARY KEY (collection, id, version)
                )
                """,
                "CREATE UNIQUE INDEX stix_objects_by_date_added ON stix_objects (collection, date_added)",
                "CREATE INDEX stix_objects_by_type ON stix_objects (collection, type, date_added)",
                """
                CREATE TABLE taxii_status (
                    id TEXT PRIMARY KEY, collection TEXT NOT NULL, account TEXT NOT NULL, created_at BIGINT NOT NULL, document TEXT NOT NULL
                )
                """,
            ],
            [
                """
                CREATE TABLE taxii_subscriptions (
                    id TEXT PRIMARY KEY, url TEXT NOT NULL, account TEXT NOT NULL, token TEXT NOT NULL, collection TEXT NOT NULL REFERENCES taxii_collections(id),
                    cursor TEXT, fetched BIGINT NOT NULL, last_run BIGINT, last_error TEXT, created_at BIGINT NOT NULL
                )
                """
            ],
            [
                // Where a pulled object came from (its subscription), so a sighting of it can go back there.
                "ALTER TABLE stix_objects ADD COLUMN source TEXT",
                "ALTER TABLE taxii_subscriptions ADD COLUMN sightings_cursor BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE taxii_subscriptions ADD COLUMN sightings_returned BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE taxii_subscriptions ADD COLUMN sightings_error TEXT",
                "CREATE INDEX stix_objects_sightings ON stix_objects (collection, from_here, type, date_added)",
            ],
            [
                // Who may write new versions of an object and delete it: the principal that first added its id
                // ("here" for this node's own people, "account:NAME" for a TAXII partner, "subscription:ID" for a pull).
                "ALTER TABLE stix_objects ADD COLUMN owner TEXT NOT NULL DEFAULT 'here'",
                "UPDATE stix_objects SET owner = 'subscription:' || source WHERE source IS NOT NULL",
                "UPDATE stix_objects SET owner = 'account:unknown' WHERE source IS NULL AND from_here = 0",
                "CREATE INDEX stix_objects_by_id ON stix_objects (collection, id)",
            ],
            [
                // Objects and status resources belong to a collection that exists, as grants and subscriptions did.
                .constrain("taxii_collections", [.oneOf("default_tlp", ["clear", "green", "amber", "amber+strict", "red"])]),
                .constrain("taxii_accounts", [.oneOf("relation", ["member", "client", "partner"])]),
                .constrain("taxii_grants", [.boolean("can_read"), .boolean("can_write")]),
                .constrain(
                    "stix_objects",
                    [
                        .oneOf("tlp", ["clear", "green", "amber", "amber+strict", "red"]), .boolean("from_here"), .boolean("latest"),
                        .boolean("earliest"),
                        .references("collection", "taxii_collections", "id"),
                    ]
                ),
                .constrain("taxii_status", [.references("collection", "taxii_collections", "id")]),
            ],
        ]
    )
}
