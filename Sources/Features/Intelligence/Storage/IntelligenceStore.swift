import EntenteProtocol
import Foundation
import Intelligence

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

    public func createCollection(_ collection: TAXIICollection, now: Date) async throws {
        try await database.query(
            "INSERT INTO taxii_collections (id, title, description, default_tlp, created_at) VALUES (?, ?, ?, ?, ?)",
            [
                .text(collection.id), .text(collection.title), .text(collection.description), .text(collection.defaultTLP.rawValue),
                .integer(now.unixMilliseconds),
            ]
        )
    }

    public func collections() async throws -> [TAXIICollection] {
        try await database.query("SELECT * FROM taxii_collections ORDER BY created_at, id").map(Self.collection)
    }

    public func collection(_ id: String) async throws -> TAXIICollection? {
        try await database.query("SELECT * FROM taxii_collections WHERE id = ?", [.text(id)]).first.map(Self.collection)
    }

    static func collection(_ row: SQLRow) throws -> TAXIICollection {
        TAXIICollection(
            id: try row.text("id"),
            title: try row.text("title"),
            description: try row.text("description"),
            defaultTLP: try row.value("default_tlp", as: TLP.self)
        )
    }

    /// Creates or replaces an account with its grants; the token is stored hashed.
    public func saveAccount(
        name: String,
        relation: Reader.Relation,
        tokenHash: String,
        grants: [String: (read: Bool, write: Bool)],
        now: Date
    ) async throws {
        try await database.transaction { db in
            try await db.query("DELETE FROM taxii_accounts WHERE name = ?", [.text(name)])
            try await db.query(
                "INSERT INTO taxii_accounts (name, relation, token_hash, created_at) VALUES (?, ?, ?, ?)",
                [.text(name), .text(relation.rawValue), .text(tokenHash), .integer(now.unixMilliseconds)]
            )
            for (collection, grant) in grants {
                try await db.query(
                    "INSERT INTO taxii_grants (account, collection, can_read, can_write) VALUES (?, ?, ?, ?)",
                    [.text(name), .text(collection), SQLValue(grant.read), SQLValue(grant.write)]
                )
            }
        }
    }

    public func account(tokenHash: String) async throws -> TAXIIAccount? {
        guard let row = try await database.query("SELECT name FROM taxii_accounts WHERE token_hash = ?", [.text(tokenHash)]).first else { return nil }
        return try await account(try row.text("name"))
    }

    public func account(_ name: String) async throws -> TAXIIAccount? {
        guard let row = try await database.query("SELECT * FROM taxii_accounts WHERE name = ?", [.text(name)]).first else { return nil }
        var grants: [String: (read: Bool, write: Bool)] = [:]
        for grant in try await database.query("SELECT * FROM taxii_grants WHERE account = ?", [.text(name)]) {
            grants[try grant.text("collection")] = (try grant.integer("can_read") != 0, try grant.integer("can_write") != 0)
        }
        return TAXIIAccount(name: name, relation: try row.value("relation", as: Reader.Relation.self), grants: grants)
    }

    public func accounts() async throws -> [TAXIIAccount] {
        var accounts: [TAXIIAccount] = []
        for row in try await database.query("SELECT name FROM taxii_accounts ORDER BY name") {
            if let account = try await account(try row.text("name")) { accounts.append(account) }
        }
        return accounts
    }

    // MARK: Objects

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
            var clock = max(
                now.unixMilliseconds * 1000,
                (try await db.query(
                    "SELECT MAX(date_added) AS last FROM stix_objects WHERE collection = ?",
                    [.text(collection.id)]
                ).first?.optionalInteger("last") ?? 0) + 1
            )
            for chunk in stride(from: 0, to: objects.count, by: 400).map({ objects[$0..<min($0 + 400, objects.count)] }) {
                var values: [SQLValue] = []
                for object in chunk {
                    values += [
                        .text(collection.id), .text(object.id), .text(object.version ?? ""),
                        .integer(object.version.flatMap(STIXTime.microseconds) ?? clock), .integer(clock), .text(object.type),
                        .text(object.specVersion), .text((object.tlp ?? collection.defaultTLP).rawValue),
                        .text("," + object.recipients.joined(separator: ",") + ","), SQLValue(fromThisNode), SQLValue(source), .text(owner),
                        .text(object.text),
                    ]
                    clock += 1
                }
                let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?)", count: chunk.count).joined(separator: ", ")
                try await db.query(
                    """
                    INSERT INTO stix_objects (collection, id, version, version_us, date_added, type, spec_version, tlp, recipients, from_here, source, owner, latest, earliest, document)
                    VALUES \(rows) ON CONFLICT (collection, id, version) DO NOTHING
                    """,
                    values
                )
                // Objects that now have several versions get their first and last marked again.
                let ids = Array(Set(chunk.map(\.id)))
                let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                let versioned = try await db.query(
                    "SELECT id FROM stix_objects WHERE collection = ? AND id IN (\(placeholders)) GROUP BY id HAVING COUNT(*) > 1",
                    [.text(collection.id)] + ids.map(SQLValue.text)
                )
                for row in versioned { try await Self.markFirstAndLast(try row.text("id"), in: collection.id, db) }
            }
        }
    }

    static func markFirstAndLast(_ id: String, in collection: String, _ db: any SQLExecutor) async throws {
        let versions = try await db.query(
            "SELECT version, version_us FROM stix_objects WHERE collection = ? AND id = ? ORDER BY version_us, version",
            [.text(collection), .text(id)]
        )
        guard let first = versions.first, let last = versions.last else { return }
        try await db.query(
            "UPDATE stix_objects SET earliest = CASE WHEN version = ? THEN 1 ELSE 0 END, latest = CASE WHEN version = ? THEN 1 ELSE 0 END WHERE collection = ? AND id = ?",
            [.text(try first.text("version")), .text(try last.text("version")), .text(collection), .text(id)]
        )
    }

    /// Objects (or, with `objectID`, one object's versions) the reader may see, oldest added first;
    /// `more` says whether another page follows.
    public func stixObjects(_ query: STIXQuery) async throws -> (objects: [StoredSTIXObject], more: Bool) {
        var (sql, values) = Self.filter(query)
        sql = "SELECT id, type, version, date_added, tlp, recipients, document FROM stix_objects WHERE " + sql + " ORDER BY date_added LIMIT ?"
        values.append(.integer(Int64(query.limit + 1)))
        let rows = try await database.query(sql, values)
        return (try rows.prefix(query.limit).map(Self.storedObject), rows.count > query.limit)
    }

    static func storedObject(_ row: SQLRow) throws -> StoredSTIXObject {
        StoredSTIXObject(
            id: try row.text("id"),
            type: try row.text("type"),
            version: try row.text("version"),
            dateAdded: try row.integer("date_added"),
            tlp: try row.value("tlp", as: TLP.self),
            recipients: try row.text("recipients").split(separator: ",").map(String.init),
            document: try row.text("document")
        )
    }

    /// Sightings written on this node (every version), oldest added first, added after `cursor`.
    public func sightingsFromHere(in collection: String, after cursor: Int64, limit: Int) async throws -> [StoredSTIXObject] {
        try await database.query(
            """
            SELECT id, type, version, date_added, tlp, recipients, document FROM stix_objects
            WHERE collection = ? AND from_here = 1 AND type = 'sighting' AND date_added > ? ORDER BY date_added LIMIT ?
            """,
            [.text(collection), .integer(cursor), .integer(Int64(limit))]
        ).map(Self.storedObject)
    }

    /// Which of `ids` a subscription brought into the collection.
    public func objects(_ ids: Set<String>, in collection: String, from source: String) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return Set(
            try await database.query(
                "SELECT DISTINCT id FROM stix_objects WHERE collection = ? AND source = ? AND id IN (\(placeholders))",
                [.text(collection), .text(source)] + ids.sorted().map(SQLValue.text)
            ).map { try $0.text("id") }
        )
    }

    /// Who owns each of `ids` already held in the collection (whatever the reader may see).
    public func stixOwners(of ids: [String], in collection: String) async throws -> [String: String] {
        var owners: [String: String] = [:]
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 400) {
            let batch = Array(unique[start..<min(start + 400, unique.count)])
            let placeholders = Array(repeating: "?", count: batch.count).joined(separator: ", ")
            for row in try await database.query(
                "SELECT DISTINCT id, owner FROM stix_objects WHERE collection = ? AND id IN (\(placeholders))",
                [.text(collection)] + batch.map(SQLValue.text)
            ) { owners[try row.text("id")] = try row.text("owner") }
        }
        return owners
    }

    /// Deletes the versions of one object the query selects (and the deleter may see), only
    /// if `owner` (when given) owns it; returns how many.
    public func deleteSTIXObject(_ query: STIXQuery, owner: String? = nil) async throws -> Int {
        try await database.transaction { db in
            var (sql, values) = Self.filter(query)
            if let owner {
                sql += " AND owner = ?"
                values.append(.text(owner))
            }
            let deleted = try await db.query("DELETE FROM stix_objects WHERE " + sql + " RETURNING id", values).count
            if let id = query.objectID { try await Self.markFirstAndLast(id, in: query.collection, db) }
            return deleted
        }
    }

    /// The WHERE clause for a query: collection, TLP access, then the TAXII filters.
    static func filter(_ query: STIXQuery) -> (String, [SQLValue]) {
        let access = TLPPolicy.access(for: query.reader)
        func list(_ values: [String]) -> String { Array(repeating: "?", count: values.count).joined(separator: ", ") }
        let always = access.always.map(\.rawValue).sorted()
        let fromHere = access.fromThisNodeOnly.map(\.rawValue).sorted()
        var clauses = ["collection = ?"]
        var values: [SQLValue] = [.text(query.collection)]
        // Exact and case-sensitive on both databases, unlike LIKE (wildcards; SQLite ignores ASCII case):
        // the list contains ",name," when removing that substring changes it.
        var tlp = ["(tlp = 'red' AND replace(recipients, ?, '') <> recipients)"]
        values.append(.text("," + query.reader.name + ","))
        if !always.isEmpty {
            tlp.append("tlp IN (\(list(always)))")
            values += always.map(SQLValue.text)
        }
        if !fromHere.isEmpty {
            tlp.append("(from_here = 1 AND tlp IN (\(list(fromHere))))")
            values += fromHere.map(SQLValue.text)
        }
        clauses.append("(" + tlp.joined(separator: " OR ") + ")")
        if let id = query.objectID {
            clauses.append("id = ?")
            values.append(.text(id))
        }
        if let after = query.addedAfter {
            clauses.append("date_added > ?")
            values.append(.integer(after))
        }
        if !query.ids.isEmpty {
            clauses.append("id IN (\(list(query.ids)))")
            values += query.ids.map(SQLValue.text)
        }
        if !query.types.isEmpty {
            clauses.append("type IN (\(list(query.types)))")
            values += query.types.map(SQLValue.text)
        }
        if !query.specVersions.isEmpty {
            clauses.append("spec_version IN (\(list(query.specVersions)))")
            values += query.specVersions.map(SQLValue.text)
        }
        if !query.versions.contains("all") {
            var versions: [String] = []
            for token in query.versions {
                switch token {
                case "last": versions.append("latest = 1")
                case "first": versions.append("earliest = 1")
                default:
                    if let microseconds = Int64(token) {
                        versions.append("version_us = ?")
                        values.append(.integer(microseconds))
                    }
                }
            }
            clauses.append(versions.isEmpty ? "1 = 0" : "(" + versions.joined(separator: " OR ") + ")")
        }
        return (clauses.joined(separator: " AND "), values)
    }

    // MARK: Status

    public func saveStatus(id: String, collection: String, account: String, document: String, now: Date) async throws {
        try await database.query(
            "INSERT INTO taxii_status (id, collection, account, created_at, document) VALUES (?, ?, ?, ?, ?)",
            [.text(id), .text(collection), .text(account), .integer(now.unixMilliseconds), .text(document)]
        )
    }

    public func status(_ id: String, account: String) async throws -> String? {
        try await database.query("SELECT document FROM taxii_status WHERE id = ? AND account = ?", [.text(id), .text(account)]).first?.text(
            "document"
        )
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
    public func createSubscription(_ subscription: TAXIISubscription, now: Date) async throws {
        try await database.query(
            "INSERT INTO taxii_subscriptions (id, url, account, token, collection, cursor, fetched, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0, ?)",
            [
                .text(subscription.id), .text(subscription.url), .text(subscription.account), .text(subscription.token),
                .text(subscription.collection),
                .integer(now.unixMilliseconds),
            ]
        )
    }

    public func subscriptions() async throws -> [TAXIISubscription] {
        try await database.query("SELECT * FROM taxii_subscriptions ORDER BY created_at, id").map { row in
            var subscription = TAXIISubscription(
                id: try row.text("id"),
                url: try row.text("url"),
                account: try row.text("account"),
                token: try row.text("token"),
                collection: try row.text("collection"),
                cursor: try row.optionalText("cursor"),
                fetched: try row.integer("fetched"),
                lastRun: try row.optionalInteger("last_run").map(Date.init(unixMilliseconds:)),
                lastError: try row.optionalText("last_error")
            )
            subscription.sightingsCursor = try row.integer("sightings_cursor")
            subscription.sightingsReturned = try row.integer("sightings_returned")
            subscription.sightingsError = try row.optionalText("sightings_error")
            return subscription
        }
    }

    /// Records how far this node's sightings have been considered for return, how many the peer
    /// accepted, and what went wrong (nil clears it); a nil cursor leaves it where it was.
    public func recordSightingsReturned(_ id: String, cursor: Int64?, returned: Int, error: String?) async throws {
        try await database.query(
            "UPDATE taxii_subscriptions SET sightings_cursor = COALESCE(?, sightings_cursor), sightings_returned = sightings_returned + ?, sightings_error = ? WHERE id = ?",
            [SQLValue(cursor), .integer(Int64(returned)), SQLValue(error), .text(id)]
        )
    }

    /// Records a pull: the new cursor once objects are stored, or the error that stopped it.
    public func recordPull(_ id: String, cursor: String?, fetched: Int, error: String?, now: Date) async throws {
        try await database.query(
            "UPDATE taxii_subscriptions SET cursor = COALESCE(?, cursor), fetched = fetched + ?, last_run = ?, last_error = ? WHERE id = ?",
            [SQLValue(cursor), .integer(Int64(fetched)), .integer(now.unixMilliseconds), SQLValue(error), .text(id)]
        )
    }
}
