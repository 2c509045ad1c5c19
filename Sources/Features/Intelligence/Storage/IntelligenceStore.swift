import EntenteProtocol
import Foundation
import Intelligence
import SQLKit

/// A TAXII collection this node serves.
public struct TAXIICollection: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String
    /// The marking an unmarked object takes.
    public var defaultTLP: TLP

    /// The TAXII server's one API root.
    public static let apiRoot = "entente"
    /// Where the TAXII server serves it, from the node's root.
    public var path: String { "/taxii2/\(Self.apiRoot)/collections/\(id)/" }

    public init(id: String, title: String, description: String, defaultTLP: TLP) {
        self.id = id
        self.title = title
        self.description = description
        self.defaultTLP = defaultTLP
    }
}

/// A TAXII client's account: who it is to TLP, and its token's hash.
public struct TAXIIAccount: Sendable, Equatable {
    public var name: String
    public var relation: Reader.Relation
    public var grants: [String: (read: Bool, write: Bool)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.relation == rhs.relation
            && lhs.grants.mapValues { [$0.read, $0.write] } == rhs.grants.mapValues { [$0.read, $0.write] }
    }
}

/// What a TAXII read asks for; every read goes through `TLPPolicy.access(for:)`.
public struct STIXQuery: Sendable {
    public var collection: String
    public var reader: Reader
    public var objectID: String?
    /// Microseconds since 1970, exclusive.
    public var addedAfter: Int64?
    public var ids: [String] = []
    public var types: [String] = []
    /// `last`, `first`, `all` or version timestamps in microseconds (as strings).
    public var versions: [String] = ["last"]
    public var specVersions: [String] = []
    public var limit: Int

    public init(collection: String, reader: Reader, objectID: String? = nil, addedAfter: Int64? = nil, limit: Int) {
        self.collection = collection
        self.reader = reader
        self.objectID = objectID
        self.addedAfter = addedAfter
        self.limit = limit
    }
}

public struct StoredSTIXObject: Sendable, Equatable {
    public var id: String
    public var type: String
    public var version: String
    public var dateAdded: Int64
    public var tlp: TLP
    /// The named recipients of a TLP:RED object.
    public var recipients: [String]
    public var document: String
}

/// STIX objects and TAXII collections, accounts and status resources.
extension NodeStore {
    // MARK: Collections and accounts

    /// A row of `taxii_collections`.
    struct CollectionRow: Codable, Sendable {
        var id: String
        var title: String
        var description: String
        var defaultTlp: TLP
        var createdAt: Milliseconds?

        var collection: TAXIICollection { TAXIICollection(id: id, title: title, description: description, defaultTLP: defaultTlp) }
    }

    public func createCollection(_ collection: TAXIICollection, now: Date) async throws {
        try await sql.insert(
            into: "taxii_collections",
            CollectionRow(
                id: collection.id,
                title: collection.title,
                description: collection.description,
                defaultTlp: collection.defaultTLP,
                createdAt: Milliseconds(now)
            )
        )
    }

    public func collections() async throws -> [TAXIICollection] {
        try await sql.rows("SELECT * FROM taxii_collections ORDER BY created_at, id", as: CollectionRow.self).map(\.collection)
    }

    public func collection(_ id: String) async throws -> TAXIICollection? {
        try await sql.row("SELECT * FROM taxii_collections WHERE id = \(bind: id)", as: CollectionRow.self)?.collection
    }

    /// A row of `taxii_accounts`.
    struct AccountRow: Codable, Sendable {
        var name: String
        var relation: Reader.Relation
        var tokenHash: String
        var createdAt: Milliseconds
    }

    /// A row of `taxii_grants`: what one account may do in one collection (0 or 1).
    struct GrantRow: Codable, Sendable {
        var account: String
        var collection: String
        var canRead: Int64
        var canWrite: Int64
    }

    /// Creates or replaces an account with its grants; the token is stored hashed.
    public func saveAccount(
        name: String,
        relation: Reader.Relation,
        tokenHash: String,
        grants: [String: (read: Bool, write: Bool)],
        now: Date
    ) async throws {
        let account = AccountRow(name: name, relation: relation, tokenHash: tokenHash, createdAt: Milliseconds(now))
        let grantRows = grants.sorted { $0.key < $1.key }.map { collection, grant in
            GrantRow(account: name, collection: collection, canRead: grant.read ? 1 : 0, canWrite: grant.write ? 1 : 0)
        }
        try await database.transaction { db in
            try await db.run("DELETE FROM taxii_accounts WHERE name = \(bind: name)")
            try await db.insert(into: "taxii_accounts", account)
            if !grantRows.isEmpty { try await db.insert(into: "taxii_grants").models(grantRows, with: .columns).run() }
        }
    }

    public func account(tokenHash: String) async throws -> TAXIIAccount? {
        guard let name = try await sql.value("SELECT name FROM taxii_accounts WHERE token_hash = \(bind: tokenHash)", as: String.self) else {
            return nil
        }
        return try await account(name)
    }

    public func account(_ name: String) async throws -> TAXIIAccount? {
        guard let row = try await sql.row("SELECT * FROM taxii_accounts WHERE name = \(bind: name)", as: AccountRow.self) else { return nil }
        let grants = try await sql.rows("SELECT * FROM taxii_grants WHERE account = \(bind: name)", as: GrantRow.self)
        return TAXIIAccount(
            name: name,
            relation: row.relation,
            grants: Dictionary(uniqueKeysWithValues: grants.map { ($0.collection, (read: $0.canRead != 0, write: $0.canWrite != 0)) })
        )
    }

    public func accounts() async throws -> [TAXIIAccount] {
        var accounts: [TAXIIAccount] = []
        for name in try await sql.raw("SELECT name FROM taxii_accounts ORDER BY name").all(decodingColumn: "name", as: String.self) {
            if let account = try await account(name) { accounts.append(account) }
        }
        return accounts
    }

    // MARK: Objects

    /// A row of `stix_objects`: one version of one object in one collection.
    struct STIXObjectRow: Codable, Sendable {
        var collection: String
        var id: String
        var version: String
        /// The version's `modified` time in microseconds, or the time it was added for an unversioned object.
        var versionUs: Int64
        /// Microseconds; unique in the collection, so it orders the collection and pages it.
        var dateAdded: Int64
        var type: String
        var specVersion: String
        var tlp: TLP
        /// The named recipients of a TLP:RED object, as `,A,B,`.
        var recipients: String
        var fromHere: Int64
        var source: String?
        var owner: String
        var latest: Int64
        var earliest: Int64
        var document: String
    }

    /// What a read returns of a stored object.
    struct STIXObjectSummary: Decodable {
        var id: String
        var type: String
        var version: String
        var dateAdded: Int64
        var tlp: TLP
        var recipients: String
        var document: String

        var stored: StoredSTIXObject {
            StoredSTIXObject(
                id: id,
                type: type,
                version: version,
                dateAdded: dateAdded,
                tlp: tlp,
                recipients: recipients.split(separator: ",").map(String.init),
                document: document
            )
        }
    }

    /// Adds valid objects to a collection, all or nothing, in one multi-row statement per
    /// 400 objects. An object whose id and version are already held is not added again.
    /// `source` is the subscription that brought them, if any.
    /// `owner` is who may later add versions of these objects and delete them (see `stixOwners`).
    public func addSTIXObjects(
        _ objects: [STIXObject],
        to collection: TAXIICollection,
        fromThisNode: Bool,
        source: String? = nil,
        owner: String = "here",
        now: Date
    ) async throws {
        try await database.transaction { db in
            let last = try await db.value("SELECT MAX(date_added) FROM stix_objects WHERE collection = \(bind: collection.id)", as: Int64.self)
            var clock = max(now.unixMilliseconds * 1000, (last ?? 0) + 1)
            for chunk in stride(from: 0, to: objects.count, by: 400).map({ objects[$0..<min($0 + 400, objects.count)] }) {
                var rows: [STIXObjectRow] = []
                for object in chunk {
                    rows.append(
                        STIXObjectRow(
                            collection: collection.id,
                            id: object.id,
                            version: object.version ?? "",
                            versionUs: object.version.flatMap(STIXTime.microseconds) ?? clock,
                            dateAdded: clock,
                            type: object.type,
                            specVersion: object.specVersion,
                            tlp: object.tlp ?? collection.defaultTLP,
                            recipients: "," + object.recipients.joined(separator: ",") + ",",
                            fromHere: fromThisNode ? 1 : 0,
                            source: source,
                            owner: owner,
                            latest: 1,
                            earliest: 1,
                            document: object.text
                        )
                    )
                    clock += 1
                }
                try await db.insert(into: "stix_objects").models(rows, with: .columns).ignoringConflicts(with: ["collection", "id", "version"]).run()
                // Objects that now have several versions get their first and last marked again.
                let ids = Array(Set(chunk.map(\.id))).sorted()
                let versioned = try await db.raw(
                    "SELECT id FROM stix_objects WHERE collection = \(bind: collection.id) AND id IN (\(binds: ids)) GROUP BY id HAVING COUNT(*) > 1"
                ).all(decodingColumn: "id", as: String.self)
                for id in versioned { try await Self.markFirstAndLast(id, in: collection.id, db) }
            }
        }
    }

    static func markFirstAndLast(_ id: String, in collection: String, _ db: any SQLDatabase) async throws {
        let versions = try await db.raw(
            "SELECT version FROM stix_objects WHERE collection = \(bind: collection) AND id = \(bind: id) ORDER BY version_us, version"
        ).all(decodingColumn: "version", as: String.self)
        guard let first = versions.first, let last = versions.last else { return }
        try await db.run(
            """
            UPDATE stix_objects SET earliest = CASE WHEN version = \(bind: first) THEN 1 ELSE 0 END,
                latest = CASE WHEN version = \(bind: last) THEN 1 ELSE 0 END
            WHERE collection = \(bind: collection) AND id = \(bind: id)
            """
        )
    }

    /// Objects (or, with `objectID`, one object's versions) the reader may see, oldest added first;
    /// `more` says whether another page follows.
    public func stixObjects(_ query: STIXQuery) async throws -> (objects: [StoredSTIXObject], more: Bool) {
        let rows = try await sql.rows(
            """
            SELECT id, type, version, date_added, tlp, recipients, document FROM stix_objects WHERE \(Self.filter(query))
            ORDER BY date_added LIMIT \(bind: query.limit + 1)
            """,
            as: STIXObjectSummary.self
        )
        return (rows.prefix(query.limit).map(\.stored), rows.count > query.limit)
    }

    /// Sightings written on this node (every version), oldest added first, added after `cursor`.
    public func sightingsFromHere(in collection: String, after cursor: Int64, limit: Int) async throws -> [StoredSTIXObject] {
        try await sql.rows(
            """
            SELECT id, type, version, date_added, tlp, recipients, document FROM stix_objects
            WHERE collection = \(bind: collection) AND from_here = 1 AND type = 'sighting' AND date_added > \(bind: cursor)
            ORDER BY date_added LIMIT \(bind: limit)
            """,
            as: STIXObjectSummary.self
        ).map(\.stored)
    }

    /// Which of `ids` a subscription brought into the collection.
    public func objects(_ ids: Set<String>, in collection: String, from source: String) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return Set(
            try await sql.raw(
                "SELECT DISTINCT id FROM stix_objects WHERE collection = \(bind: collection) AND source = \(bind: source) AND id IN (\(binds: ids.sorted()))"
            ).all(decodingColumn: "id", as: String.self)
        )
    }

    /// Who owns each of `ids` already held in the collection (whatever the reader may see).
    public func stixOwners(of ids: [String], in collection: String) async throws -> [String: String] {
        struct Owner: Decodable {
            var id: String
            var owner: String
        }
        var owners: [String: String] = [:]
        let unique = Array(Set(ids)).sorted()
        for start in stride(from: 0, to: unique.count, by: 400) {
            let batch = Array(unique[start..<min(start + 400, unique.count)])
            for row in try await sql.rows(
                "SELECT DISTINCT id, owner FROM stix_objects WHERE collection = \(bind: collection) AND id IN (\(binds: batch))",
                as: Owner.self
            ) { owners[row.id] = row.owner }
        }
        return owners
    }

    /// Deletes the versions of one object the query selects (and the deleter may see), only
    /// if `owner` (when given) owns it; returns how many.
    public func deleteSTIXObject(_ query: STIXQuery, owner: String? = nil) async throws -> Int {
        var condition = Self.filter(query)
        if let owner { condition += " AND owner = \(bind: owner)" }
        return try await database.transaction { [condition] db in
            let deleted = try await db.raw("DELETE FROM stix_objects WHERE \(condition) RETURNING id").all().count
            if let id = query.objectID { try await Self.markFirstAndLast(id, in: query.collection, db) }
            return deleted
        }
    }

    /// The WHERE clause for a query: collection, TLP access, then the TAXII filters.
    static func filter(_ query: STIXQuery) -> SQLQueryString {
        let access = TLPPolicy.access(for: query.reader)
        let always = access.always.map(\.rawValue).sorted()
        let fromHere = access.fromThisNodeOnly.map(\.rawValue).sorted()
        // Exact and case-sensitive on both databases, unlike LIKE (wildcards; SQLite ignores ASCII case):
        // the list contains ",name," when removing that substring changes it.
        var tlp: [SQLQueryString] = ["(tlp = 'red' AND replace(recipients, \(bind: "," + query.reader.name + ","), '') <> recipients)"]
        if !always.isEmpty { tlp.append("tlp IN (\(binds: always))") }
        if !fromHere.isEmpty { tlp.append("(from_here = 1 AND tlp IN (\(binds: fromHere)))") }
        var clauses: [SQLQueryString] = ["collection = \(bind: query.collection)", "(\(tlp.joined(separator: " OR ")))"]
        if let id = query.objectID { clauses.append("id = \(bind: id)") }
        if let after = query.addedAfter { clauses.append("date_added > \(bind: after)") }
        if !query.ids.isEmpty { clauses.append("id IN (\(binds: query.ids))") }
        if !query.types.isEmpty { clauses.append("type IN (\(binds: query.types))") }
        if !query.specVersions.isEmpty { clauses.append("spec_version IN (\(binds: query.specVersions))") }
        if !query.versions.contains("all") {
            var versions: [SQLQueryString] = []
            for token in query.versions {
                switch token {
                case "last": versions.append("latest = 1")
                case "first": versions.append("earliest = 1")
                default:
                    if let microseconds = Int64(token) { versions.append("version_us = \(bind: microseconds)") }
                }
            }
            clauses.append(versions.isEmpty ? "1 = 0" : "(\(versions.joined(separator: " OR ")))")
        }
        return clauses.joined(separator: " AND ")
    }

    // MARK: Status

    public func saveStatus(id: String, collection: String, account: String, document: String, now: Date) async throws {
        try await sql.run(
            """
            INSERT INTO taxii_status (id, collection, account, created_at, document)
            VALUES (\(bind: id), \(bind: collection), \(bind: account), \(bind: Milliseconds(now)), \(bind: document))
            """
        )
    }

    public func status(_ id: String, account: String) async throws -> String? {
        try await sql.value("SELECT document FROM taxii_status WHERE id = \(bind: id) AND account = \(bind: account)", as: String.self)
    }
}

/// A peer's TAXII collection this node pulls into one of its own.
public struct TAXIISubscription: Sendable, Equatable {
    public var id: String
    /// The peer collection's URL (ending in `/collections/{id}/`).
    public var url: String
    public var account: String
    public var token: String
    /// The local collection the objects go to.
    public var collection: String
    /// The `date_added` of the last object stored (the peer's clock), where the next pull resumes.
    public var cursor: String?
    public var fetched: Int64
    public var lastRun: Date?
    public var lastError: String?
    /// The local `date_added` up to which this node's sightings have been considered for return to the peer.
    public var sightingsCursor: Int64 = 0
    /// How many sightings went back to the peer.
    public var sightingsReturned: Int64 = 0
    /// Why sightings did not go back on the last run, if they did not.
    public var sightingsError: String?

    public init(
        id: String,
        url: String,
        account: String,
        token: String,
        collection: String,
        cursor: String?,
        fetched: Int64,
        lastRun: Date?,
        lastError: String?
    ) {
        self.id = id
        self.url = url
        self.account = account
        self.token = token
        self.collection = collection
        self.cursor = cursor
        self.fetched = fetched
        self.lastRun = lastRun
        self.lastError = lastError
    }
}

extension NodeStore {
    /// A row of `taxii_subscriptions`.
    struct SubscriptionRow: Codable, Sendable {
        var id: String
        var url: String
        var account: String
        var token: String
        var collection: String
        var cursor: String?
        var fetched: Int64
        var lastRun: Milliseconds?
        var lastError: String?
        var createdAt: Milliseconds
        var sightingsCursor: Int64
        var sightingsReturned: Int64
        var sightingsError: String?

        var subscription: TAXIISubscription {
            var subscription = TAXIISubscription(
                id: id,
                url: url,
                account: account,
                token: token,
                collection: collection,
                cursor: cursor,
                fetched: fetched,
                lastRun: lastRun?.date,
                lastError: lastError
            )
            subscription.sightingsCursor = sightingsCursor
            subscription.sightingsReturned = sightingsReturned
            subscription.sightingsError = sightingsError
            return subscription
        }
    }

    public func createSubscription(_ subscription: TAXIISubscription, now: Date) async throws {
        try await sql.insert(
            into: "taxii_subscriptions",
            SubscriptionRow(
                id: subscription.id,
                url: subscription.url,
                account: subscription.account,
                token: subscription.token,
                collection: subscription.collection,
                cursor: nil,
                fetched: 0,
                createdAt: Milliseconds(now),
                sightingsCursor: 0,
                sightingsReturned: 0
            )
        )
    }

    public func subscriptions() async throws -> [TAXIISubscription] {
        try await sql.rows("SELECT * FROM taxii_subscriptions ORDER BY created_at, id", as: SubscriptionRow.self).map(\.subscription)
    }

    /// Records how far this node's sightings have been considered for return, how many the peer
    /// accepted, and what went wrong (nil clears it); a nil cursor leaves it where it was.
    public func recordSightingsReturned(_ id: String, cursor: Int64?, returned: Int, error: String?) async throws {
        try await sql.run(
            """
            UPDATE taxii_subscriptions SET sightings_cursor = COALESCE(\(bind: cursor), sightings_cursor),
                sightings_returned = sightings_returned + \(bind: returned), sightings_error = \(bind: error) WHERE id = \(bind: id)
            """
        )
    }

    /// Records a pull: the new cursor once objects are stored, or the error that stopped it.
    public func recordPull(_ id: String, cursor: String?, fetched: Int, error: String?, now: Date) async throws {
        try await sql.run(
            """
            UPDATE taxii_subscriptions SET cursor = COALESCE(\(bind: cursor), cursor), fetched = fetched + \(bind: fetched),
                last_run = \(bind: Milliseconds(now)), last_error = \(bind: error) WHERE id = \(bind: id)
            """
        )
    }
}
