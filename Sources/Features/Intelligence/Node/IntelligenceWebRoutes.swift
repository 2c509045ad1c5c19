import EntenteProtocol
import Foundation
import Hummingbird
import Intelligence
import Storage
import WebInterface

/// The threat-intelligence pages: collections, a collection's objects, and a readable page
/// for one object with its relationships. A signed-in person reads as a member of this
/// node's organisation, through the same TLP policy as every TAXII client.
struct IntelligenceWebRoutes: WebPage {
    let intelligence: IntelligenceService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("intelligence") { _, context in try await self.collectionsPage(context) }
        web.get("intelligence/:collection") { request, context in try await self.collectionPage(request, context) }
        web.get("intelligence/:collection/objects/:object") { _, context in try await self.objectPage(context) }
        web.post("intelligence/:collection/objects/:object/sightings") { request, context in try await self.reportSighting(request, context) }
        web.get("intelligence/:collection/misp") { request, context in try await self.downloadMISP(request, context) }
        web.post("intelligence/:collection/misp") { request, context in try await self.uploadMISP(request, context) }
    }

    func reader(_ context: NodeRequestContext) -> Reader {
        Reader(name: context.principal?.accountName ?? "operator", relation: .member)
    }

    /// A signed-in person writing: the operator's rights, under their own name (a TLP:RED object they write names them).
    func writer(_ context: NodeRequestContext) -> IntelligenceService.Principal {
        var principal = IntelligenceService.Principal.nodeOperator
        principal.name = reader(context).name
        return principal
    }

    func collectionsPage(_ context: NodeRequestContext) async throws -> Response {
        let collections = try await intelligence.store.collections().map { collection in
            CollectionsPage.Collection(
                id: collection.id,
                title: collection.title,
                description: collection.description,
                tlpLabel: collection.defaultTLP.label,
                tlpClass: tlpClass(collection.defaultTLP),
                url: collection.path
            )
        }
        return render(CollectionsPage(collections: collections, hasCollections: !collections.isEmpty, taxii: "/taxii2/"), context)
    }

    func collectionPage(
        _ request: Request,
        _ context: NodeRequestContext,
        typed: MISPForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let id = context.parameters.get("collection"), let collection = try await intelligence.store.collection(id) else {
            return errorPage(context, .notFound, "No such collection", "There is no collection with that id on this node.")
        }
        var query = STIXQuery(collection: id, reader: reader(context), limit: 200)
        let type = request.uri.queryParameters.get("type").flatMap { $0.isEmpty ? nil : String($0) }
        if let type { query.types = [type] }
        if let after = request.uri.queryParameters.get("after").flatMap({ Int64($0) }) { query.addedAfter = after }
        let found = try await intelligence.store.stixObjects(query)
        let rows = found.objects.map { object in
            let json = try? JSONValue(parsing: Array(object.document.utf8))
            return CollectionPage.Row(
                id: object.id,
                type: object.type,
                name: json.map(Self.title) ?? object.id,
                version: object.version,
                pap: json.flatMap(PAP.of)?.rawValue,
                added: STIXTime.format(microseconds: object.dateAdded),
                tlpLabel: object.tlp.label,
                tlpClass: tlpClass(object.tlp),
                collection: id
            )
        }
        let page = CollectionPage(
            collection: CollectionPage.Collection(id: id, title: collection.title, description: collection.description),
            objects: rows,
            hasObjects: !rows.isEmpty,
            type: type ?? "",
            next: found.more ? found.objects.last.map { "/intelligence/\(id)?after=\($0.dateAdded)" + (type.map { "&type=\($0)" } ?? "") } : nil,
            typed: typed,
            error: error
        )
        return render(page, context, status: status)
    }

    /// The collection, or a report in it, as a MISP event file.
    func downloadMISP(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let collection: TAXIICollection
        let export: (event: JSONValue, skipped: [String])
        do {
            collection = try await intelligence.collection(context.parameters.get("collection"))
            export = try await intelligence.exportMISP(
                collection,
                report: request.uri.queryParameters.get("report").map { String($0) },
                reader: reader(context)
            )
        } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "Not found", failure.description)
        }
        let name = (export.event["Event"]?["uuid"]?.stringValue ?? collection.id) + ".misp.json"
        return JSONResponse.file(export.event.canonicalBytes, named: name)
    }

    /// A MISP event pasted into the collection page.
    func uploadMISP(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(MISPForm.self, request, limit: Self.largestFormLimit)
        let collectionID = context.parameters.get("collection") ?? ""
        do {
            let collection = try await intelligence.collection(collectionID)
            let json: JSONValue
            do { json = try JSONValue(parsing: Array((typed.event ?? "").utf8)) } catch {
                throw ServiceFailure.invalid("Event JSON: that is not JSON: \(error)")
            }
            let imported = try await intelligence.importMISP(json, into: collection, by: writer(context))
            return redirect("/intelligence/\(collectionID)/objects/\(imported.report)")
        } catch let failure as ServiceFailure {
            return try await collectionPage(request, context, typed: typed, error: failure.description, status: .unprocessableContent)
        }
    }

    /// "Seen here": records a sighting, which returns to the producer of what was sighted.
    func reportSighting(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(SightingForm.self, request)
        let collectionID = context.parameters.get("collection") ?? ""
        let objectID = context.parameters.get("object") ?? ""
        func date(_ text: String?, _ label: String) throws -> Date? {
            guard let text = nonEmpty(text) else { return nil }
            // A datetime-local field sends minutes without a zone; the form asks for UTC.
            guard let date = STIXTime.date(text.count == 16 ? text + ":00Z" : text) else {
                throw ServiceFailure.invalid("\(label): “\(text)” is not a date and time")
            }
            return date
        }
        do {
            let collection = try await intelligence.collection(collectionID)
            guard let count = Int(nonEmpty(typed.count) ?? "1") else { throw ServiceFailure.invalid("Times seen: a whole number") }
            let report = Sightings.Report(
                sightingOf: objectID,
                count: count,
                firstSeen: try date(typed.firstSeen, "First seen"),
                lastSeen: try date(typed.lastSeen, "Last seen"),
                note: typed.note ?? "",
                tlp: TLP(rawValue: typed.tlp ?? "") ?? .amber
            )
            let sighting = try await intelligence.reportSighting(report, in: collection, by: writer(context))
            return redirect("/intelligence/\(collectionID)/objects/\(objectID)?sighting=\(sighting)")
        } catch let failure as ServiceFailure {
            return try await objectPage(context, typed: typed, error: failure.description, status: .unprocessableContent)
        }
    }

    func objectPage(
        _ context: NodeRequestContext,
        typed: SightingForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let collectionID = context.parameters.get("collection"), let objectID = context.parameters.get("object"),
            try await intelligence.store.collection(collectionID) != nil
        else { return errorPage(context, .notFound, "Not found", "No such collection.") }
        let object = try await intelligence.store.stixObjects(
            STIXQuery(collection: collectionID, reader: reader(context), objectID: objectID, limit: 1)
        ).objects.first
        guard let object, let json = try? JSONValue(parsing: Array(object.document.utf8)) else {
            return errorPage(context, .notFound, "Not found", "No such object, or TLP does not allow you to see it.")
        }
        // Relationships in this collection that name the object, and what they point at.
        var links: [(text: String, other: String)] = []
        var sightings: [STIXObjectPage.Sighting] = []
        var identityQuery = STIXQuery(collection: collectionID, reader: reader(context), limit: 1000)
        identityQuery.types = ["identity"]
        let identities = Dictionary(
            try await intelligence.store.stixObjects(identityQuery).objects.compactMap { stored in
                (try? JSONValue(parsing: Array(stored.document.utf8)))?["name"]?.stringValue.map { (stored.id, $0) }
            }
        ) { $1 }
        var relationshipQuery = STIXQuery(collection: collectionID, reader: reader(context), limit: 1000)
        relationshipQuery.types = ["relationship", "sighting"]
        for stored in try await intelligence.store.stixObjects(relationshipQuery).objects {
            guard let relationship = try? JSONValue(parsing: Array(stored.document.utf8)) else { continue }
            let source = relationship["source_ref"]?.stringValue ?? relationship["sighting_of_ref"]?.stringValue
            let target = relationship["target_ref"]?.stringValue
            let kind = relationship["relationship_type"]?.stringValue ?? "sighting of"
            if relationship["sighting_of_ref"]?.stringValue == objectID {
                sightings.append(
                    STIXObjectPage.Sighting(
                        id: stored.id,
                        count: relationship["count"]?.integerValue ?? 1,
                        tlpLabel: stored.tlp.label,
                        tlpClass: tlpClass(stored.tlp),
                        where: (relationship["where_sighted_refs"]?.arrayValue ?? []).compactMap(\.stringValue).map { identities[$0] ?? $0 }
                            .joined(separator: ", "),
                        firstSeen: relationship["first_seen"]?.stringValue ?? "—",
                        lastSeen: relationship["last_seen"]?.stringValue ?? "—",
                        note: relationship["description"]?.stringValue ?? "",
                        collection: collectionID
                    )
                )
            } else if source == objectID, let target {
                links.append(("\(kind) →", target))
            } else if target == objectID, let source {
                links.append(("← \(kind) from", source))
            }
        }
        let referenced = (json["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue)
        // Name what the object points at, as far as the reader may see it; the rest keep their bare ids.
        var namesQuery = STIXQuery(collection: collectionID, reader: reader(context), limit: 1000)
        namesQuery.ids = Array(Set(links.map(\.other) + referenced).prefix(1000))
        let names =
            namesQuery.ids.isEmpty
            ? [:]
            : Dictionary(
                try await intelligence.store.stixObjects(namesQuery).objects.compactMap { stored in
                    (try? JSONValue(parsing: Array(stored.document.utf8))).flatMap(Self.caption).map { (stored.id, "\($0) (\(stored.type))") }
                }
            ) { $1 }
        let relationships = links.map { STIXObjectPage.Link(text: $0.text, other: $0.other, name: names[$0.other], collection: collectionID) }
        let references = referenced.map { STIXObjectPage.Link(text: "", other: $0, name: names[$0], collection: collectionID) }
        let properties = (json.objectValue ?? [:]).keys.sorted().filter {
            !["type", "id", "spec_version", "object_refs", "object_marking_refs"].contains($0)
        }
        .map { key in
            let value = json[key]!
            return STIXObjectPage.Property(name: key, value: value.stringValue ?? value.canonicalString)
        }
        let page = STIXObjectPage(
            object: STIXObjectPage.Object(
                id: object.id,
                type: object.type,
                title: Self.title(json),
                tlpLabel: object.tlp.label,
                tlpClass: tlpClass(object.tlp),
                pap: PAP.of(json)?.rawValue,
                isReport: object.type == "report",
                pattern: json["pattern"]?.stringValue,
                description: json["description"]?.stringValue,
                collection: collectionID
            ),
            properties: properties,
            relationships: relationships,
            hasRelationships: !relationships.isEmpty,
            references: references,
            hasReferences: !references.isEmpty,
            json: object.document,
            sightings: sightings,
            hasSightings: !sightings.isEmpty,
            canSight: object.type != "sighting" && (context.principal?.role.canWrite ?? false),
            tlps: tlpOptions(selected: typed?.tlp.flatMap(TLP.init(rawValue:)) ?? .amber),
            typed: typed,
            error: error
        )
        return render(page, context, status: status)
    }

    static func title(_ json: JSONValue) -> String {
        json["name"]?.stringValue ?? json["value"]?.stringValue ?? json["id"]?.stringValue ?? "?"
    }

    /// What a person would call the object in a list, if it has more than its id: its name, its value or its pattern.
    static func caption(_ json: JSONValue) -> String? {
        guard let text = json["name"]?.stringValue ?? json["value"]?.stringValue ?? json["pattern"]?.stringValue else { return nil }
        return text.count > 80 ? text.prefix(79) + "…" : text
    }
}
