import EntenteProtocol
import Federation
import Foundation
import Intelligence
import Storage

/// Threat intelligence on this node: TAXII collections and accounts, and adding STIX
/// objects — each validated on its own, the valid ones of a request kept, the invalid
/// ones reported with their reason.
public struct IntelligenceService: Sendable {
    public let identity: LocalIdentity
    public let store: NodeStore
    let writes = AsyncLock()

    /// Who is calling the TAXII server: an account, or the node's operator (a member with every right).
    public struct Principal: Sendable {
        public var name: String
        public var relation: Reader.Relation
        public var grants: [String: (read: Bool, write: Bool)]
        public var isOperator: Bool
        /// The subscription whose pull this is, for what it adds.
        public var subscription: String? = nil

        /// The node's operator, and the web interface's signed-in people: members with every right.
        public static let nodeOperator = Principal(name: "operator", relation: .member, grants: [:], isOperator: true)

        public var reader: Reader { Reader(name: name, relation: relation) }
        public func canRead(_ collection: String) -> Bool { isOperator || grants[collection]?.read == true }
        public func canWrite(_ collection: String) -> Bool { isOperator || grants[collection]?.write == true }
        public func canSee(_ collection: String) -> Bool { isOperator || grants[collection] != nil }
        /// Objects written by the node's own organisation have this node as their source.
        var writesForThisNode: Bool { isOperator || relation == .member }
        /// Who owns what this principal adds: only the owner adds versions of an object or deletes it.
        /// The node's own people share one owner; each partner account and each subscription is its own.
        public var owner: String {
            if let subscription { return "subscription:" + subscription }
            return writesForThisNode ? "here" : "account:" + name
        }
    }

    public struct AddResult: Sendable {
        public var successes: [(id: String, version: String?)] = []
        public var failures: [(id: String?, version: String?, message: String)] = []
    }

    public func createCollection(title: String, description: String, defaultTLP: TLP, now: Date = Date()) async throws -> TAXIICollection {
        guard !title.trimmingCharacters(in: .whitespaces).isEmpty, title.utf8.count <= 200, description.utf8.count <= 2000 else {
            throw ServiceFailure.invalid("a collection has a title (≤ 200 bytes) and a description (≤ 2000 bytes)")
        }
        let collection = TAXIICollection(id: UUID().uuidString.lowercased(), title: title, description: description, defaultTLP: defaultTLP)
        try await store.createCollection(collection, now: now)
        return collection
    }

    public func collection(_ id: String?) async throws -> TAXIICollection {
        guard let id, let collection = try await store.collection(id) else { throw ServiceFailure.notFound("no collection \(id ?? "")") }
        return collection
    }

    /// Creates (or replaces) an account; returns its token, shown once.
    public func saveAccount(name: String, relation: Reader.Relation, read: [String], write: [String], now: Date = Date()) async throws -> String {
        guard (2...64).contains(name.utf8.count), name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 46 })
        else {
            throw ServiceFailure.invalid("an account name is 2 to 64 lowercase letters, digits, dots and hyphens")
        }
        let known = Set(try await store.collections().map(\.id))
        if let unknown = (read + write).first(where: { !known.contains($0) }) { throw ServiceFailure.invalid("no collection \(unknown)") }
        var grants: [String: (read: Bool, write: Bool)] = [:]
        for collection in Set(read + write) { grants[collection] = (read.contains(collection), write.contains(collection)) }
        let token = Secret.generate()
        try await store.saveAccount(name: name, relation: relation, tokenHash: Secret.storageHash(token), grants: grants, now: now)
        return token
    }

    /// Validates each object and stores the valid ones in one transaction.
    public func add(
        _ objects: [(json: JSONValue, source: String?)],
        to collection: TAXIICollection,
        by principal: Principal,
        now: Date = Date()
    ) async throws -> AddResult {
        var result = AddResult()
        var valid: [STIXObject] = []
        for (json, source) in objects {
            do throws(STIXError) {
                let object = try STIXValidation.validate(json, source: source)
                if object.tlp == .red, !object.recipients.contains(principal.name), !principal.isOperator {
                    throw STIXError("\(object.id): a TLP:RED object must name its writer, \(principal.name), among its recipients")
                }
                valid.append(object)
            } catch {
                result.failures.append((json["id"]?.stringValue, json["modified"]?.stringValue, error.description))
            }
        }
        guard !valid.isEmpty else { return result }
        let candidates = valid
        let (stored, refused) = try await writes.withLock {
            // A new version of someone else's object would rewrite what they said: refused, object by object.
            let owners = try await store.stixOwners(of: candidates.map(\.id), in: collection.id)
            let refused = candidates.filter { owners[$0.id].map { $0 != principal.owner } ?? false }
            let accepted = candidates.filter { owners[$0.id].map { $0 == principal.owner } ?? true }
            if !accepted.isEmpty {
                try await store.addSTIXObjects(
                    accepted,
                    to: collection,
                    fromThisNode: principal.writesForThisNode,
                    source: principal.subscription,
                    owner: principal.owner,
                    now: now
                )
            }
            return (accepted, refused.map { ($0, owners[$0.id] ?? "") })
        }
        for (object, owner) in refused {
            result.failures.append(
                (object.id, object.version, "\(object.id) was written by \(Self.describe(owner)): only its producer adds versions of it")
            )
        }
        result.successes = stored.map { ($0.id, $0.version) }
        return result
    }

    static func describe(_ owner: String) -> String {
        if owner == "here" { return "this node" }
        if owner.hasPrefix("account:") { return "the account " + owner.dropFirst("account:".count) }
        return "the subscription " + owner.dropFirst("subscription:".count)
    }

    /// Deletes an object's selected versions, if the principal owns it (the operator may delete anything).
    public func delete(_ query: STIXQuery, by principal: Principal) async throws -> Int {
        try await writes.withLock {
            let deleted = try await store.deleteSTIXObject(query, owner: principal.isOperator ? nil : principal.owner)
            if deleted == 0, let id = query.objectID, let owner = try await store.stixOwners(of: [id], in: query.collection)[id],
                owner != principal.owner
            {
                throw ServiceFailure.forbidden("\(id) was written by \(Self.describe(owner)): only its producer deletes it")
            }
            return deleted
        }
    }

    /// Records that an object the principal can read was seen here: a sighting in the same
    /// collection, with this node's identity the first time. Returns the sighting's id.
    public struct MISPImport: Sendable {
        public var report: String
        public var added: AddResult
        /// Attributes left out, each with its reason.
        public var skipped: [String]
    }

    public static let maximumMISPBytes = 64 << 20

    /// Imports a MISP event as STIX, by the misp-stix mapping; TLP:RED parts name the importer.
    public func importMISP(
        _ json: JSONValue,
        into collection: TAXIICollection,
        by principal: Principal,
        now: Date = Date()
    ) async throws -> MISPImport {
        let conversion: MISPEvent.Conversion
        do throws(STIXError) { conversion = try MISPEvent.stix(from: json, recipients: [principal.name]) } catch {
            throw ServiceFailure.invalid(error.description)
        }
        let added = try await add(conversion.objects.map { ($0, nil) }, to: collection, by: principal, now: now)
        return MISPImport(report: conversion.report, added: added, skipped: conversion.skipped)
    }

    /// A MISP event of what `reader` may see in the collection: one report's objects, or all of them.
    public func exportMISP(_ collection: TAXIICollection, report: String?, reader: Reader) async throws -> (event: JSONValue, skipped: [String]) {
        var objects: [JSONValue] = []
        func load(_ ids: [String]) async throws {
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                var query = STIXQuery(collection: collection.id, reader: reader, limit: 1000)
                query.ids = chunk
                objects += try await store.stixObjects(query).objects.compactMap { try? JSONValue(parsing: Array($0.document.utf8)) }
            }
        }
        if let report {
            try await load([report])
            guard let found = objects.first else { throw ServiceFailure.notFound("no report \(report) in collection \(collection.title)") }
            try await load(
                (found["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue) + [found["created_by_ref"]?.stringValue].compactMap { $0 }
            )
        } else {
            var query = STIXQuery(collection: collection.id, reader: reader, limit: 1000)
            while objects.count < MISPEvent.maximumAttributes * 4 {
                let page = try await store.stixObjects(query)
                objects += page.objects.compactMap { try? JSONValue(parsing: Array($0.document.utf8)) }
                guard page.more, let last = page.objects.last else { break }
                query.addedAfter = last.dateAdded
            }
        }
        // Observed data brings the observables it refers to, wherever they are in the collection.
        let held = Set(objects.compactMap { $0["id"]?.stringValue })
        let observables = objects.filter { $0["type"]?.stringValue == "observed-data" }.flatMap {
            ($0["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        try await load(observables.filter { !held.contains($0) })
        do throws(STIXError) {
            return try MISPEvent.event(
                from: objects,
                report: report,
                uuid: CaseIntelligence.uuid5("collection/" + collection.id),
                info: collection.title
            )
        } catch { throw ServiceFailure.invalid(error.description) }
    }

    /// A TLP:RED sighting that names nobody is for its author alone.
    public func reportSighting(
        _ report: Sightings.Report,
        in collection: TAXIICollection,
        by principal: Principal,
        now: Date = Date()
    ) async throws -> String {
        var report = report
        if report.tlp == .red, report.recipients.isEmpty { report.recipients = [principal.name] }
        let sighted = try await store.stixObjects(
            STIXQuery(collection: collection.id, reader: principal.reader, objectID: report.sightingOf, limit: 1)
        )
        guard !sighted.objects.isEmpty else { throw ServiceFailure.notFound("no object \(report.sightingOf) in collection \(collection.title)") }
        let sighting: JSONValue
        do throws(STIXError) { sighting = try Sightings.sighting(report, by: identity.id, at: now) } catch {
            throw ServiceFailure.invalid(error.description)
        }
        var objects = [(json: sighting, source: String?.none)]
        let identityID = Sightings.identityID(of: identity.id)
        let held = try await store.stixObjects(STIXQuery(collection: collection.id, reader: principal.reader, objectID: identityID, limit: 1))
        if held.objects.isEmpty { objects.insert((Sightings.identity(of: identity.id, name: identity.name, at: now), nil), at: 0) }
        let result = try await add(objects, to: collection, by: principal, now: now)
        if let failure = result.failures.first { throw ServiceFailure.invalid(failure.message) }
        return sighting["id"]!.stringValue!
    }
}
