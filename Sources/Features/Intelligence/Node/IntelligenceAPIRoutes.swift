import Cases
import EntenteProtocol
import Foundation
import Hummingbird
import Intelligence
import Storage

/// `/api/v1/taxii`: collections, partner accounts, subscriptions, sightings, MISP, and sharing a case's
/// evidence, for the CLI and scripts.
struct IntelligenceAPIRoutes: APIHandler {
    let intelligence: IntelligenceService
    let subscriptions: SubscriptionService
    let cases: CaseService

    func register(on api: APIGroups) {
        let admin = api.operatorOnly
        let api = api.any
        api.get("taxii/collections") { _, _ in try await self.taxiiCollections() }
        admin.post("taxii/collections") { request, _ in try await self.createTAXIICollection(request) }
        admin.get("taxii/accounts") { _, _ in try await self.taxiiAccounts() }
        admin.post("taxii/accounts") { request, _ in try await self.saveTAXIIAccount(request) }
        api.post("taxii/collections/:collection/cases/:case") { _, context in try await self.shareCase(context) }
        api.get("taxii/subscriptions") { _, _ in try await self.listSubscriptions() }
        admin.post("taxii/subscriptions") { request, _ in try await self.subscribe(request) }
        api.post("taxii/subscriptions/pull") { _, _ in
            let exchange = try await self.subscriptions.pullAll()
            return JSONResponse.make(["stored": .number(Double(exchange.stored)), "sightingsReturned": .number(Double(exchange.sightingsReturned))])
        }
        api.post("taxii/collections/:collection/objects/:object/sightings") { request, context in try await self.reportSighting(request, context) }
        api.post("taxii/collections/:collection/misp") { request, context in try await self.importMISP(request, context) }
        api.get("taxii/collections/:collection/misp") { request, context in try await self.exportMISP(request, context) }
    }

    func taxiiCollections() async throws -> Response {
        JSONResponse.make(.array(try await intelligence.store.collections().map(Self.collection)))
    }

    static func collection(_ collection: TAXIICollection) -> JSONValue {
        [
            "id": .string(collection.id), "title": .string(collection.title), "description": .string(collection.description),
            "defaultTLP": .string(collection.defaultTLP.rawValue), "url": .string(collection.path),
        ]
    }

    struct NewCollection: Codable {
        var title: String
        var description: String?
        var defaultTLP: TLP?
    }

    func createTAXIICollection(_ request: Request) async throws -> Response {
        let body = try await decode(NewCollection.self, from: request)
        return try await handling {
            let collection = try await intelligence.createCollection(
                title: body.title,
                description: body.description ?? "",
                defaultTLP: body.defaultTLP ?? .amber
            )
            return JSONResponse.make(Self.collection(collection), status: .created)
        }
    }

    /// Shares a case's evidence, as STIX indicators and a report with the case's markings, in a collection.
    func shareCase(_ context: NodeRequestContext) async throws -> Response {
        let caseID = try entryID(context, "case")
        return try await handling {
            let collection = try await intelligence.collection(context.parameters.get("collection"))
            let state = try await cases.state(caseID)
            let objects = CaseIntelligence.bundle(of: state, producedBy: intelligence.identity.id)
            guard !objects.isEmpty else {
                throw ServiceFailure.conflict(
                    "\(intelligence.identity.id) has shared no indicator or file in case \(caseID): other participants' evidence is theirs to share"
                )
            }
            let result = try await intelligence.add(objects.map { ($0, nil) }, to: collection, by: .nodeOperator)
            return JSONResponse.make(
                ["added": .number(Double(result.successes.count)), "failures": .array(result.failures.map { .string($0.message) })],
                status: .created
            )
        }
    }

    /// Imports a MISP event (MISP's JSON format) as STIX objects in the collection.
    func importMISP(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let json = try await request.jsonBody(limit: IntelligenceService.maximumMISPBytes)
        return try await handling {
            let collection = try await intelligence.collection(context.parameters.get("collection"))
            let imported = try await intelligence.importMISP(json, into: collection, by: .nodeOperator)
            return JSONResponse.make(
                [
                    "report": .string(imported.report), "added": .number(Double(imported.added.successes.count)),
                    "failures": .array(imported.added.failures.map { .string($0.message) }),
                    "skipped": .array(imported.skipped.map(JSONValue.string)),
                ],
                status: .created
            )
        }
    }

    /// The collection, or one report in it, as a MISP event; what has no MISP attribute is counted in `Entente-Skipped`.
    func exportMISP(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        try await handling {
            let collection = try await intelligence.collection(context.parameters.get("collection"))
            let report = request.uri.queryParameters.get("report").map { String($0) }
            let export = try await intelligence.exportMISP(collection, report: report, reader: IntelligenceService.Principal.nodeOperator.reader)
            var response = JSONResponse.make(export.event)
            response.headers[.init("Entente-Skipped")!] = String(export.skipped.count)
            return response
        }
    }

    struct NewSighting: Codable {
        var count: Int?
        var firstSeen: String?
        var lastSeen: String?
        var note: String?
        var tlp: TLP?
        var recipients: [String]?
    }

    /// Records that an object was seen here; the sighting goes back to its producer.
    func reportSighting(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decode(NewSighting.self, from: request)
        return try await handling {
            let collection = try await intelligence.collection(context.parameters.get("collection"))
            func date(_ text: String?, _ name: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = STIXTime.date(text) else { throw ServiceFailure.invalid("\(name) must be a STIX timestamp (RFC 3339, UTC)") }
                return date
            }
            let report = Sightings.Report(
                sightingOf: context.parameters.get("object") ?? "",
                count: body.count ?? 1,
                firstSeen: try date(body.firstSeen, "firstSeen"),
                lastSeen: try date(body.lastSeen, "lastSeen"),
                note: body.note ?? "",
                tlp: body.tlp ?? .amber,
                recipients: body.recipients ?? []
            )
            let id = try await intelligence.reportSighting(report, in: collection, by: .nodeOperator)
            return JSONResponse.make(["id": .string(id)], status: .created)
        }
    }

    static func subscription(_ subscription: TAXIISubscription) -> JSONValue {
        [
            "id": .string(subscription.id), "url": .string(subscription.url), "account": .string(subscription.account),
            "collection": .string(subscription.collection),
            "cursor": subscription.cursor.map(JSONValue.string) ?? .null, "fetched": .number(Double(subscription.fetched)),
            "lastRun": subscription.lastRun.map { .string(Timestamp.format($0)) } ?? .null,
            "lastError": subscription.lastError.map(JSONValue.string) ?? .null,
            "sightingsReturned": .number(Double(subscription.sightingsReturned)),
            "sightingsError": subscription.sightingsError.map(JSONValue.string) ?? .null,
        ]
    }

    func listSubscriptions() async throws -> Response {
        JSONResponse.make(.array(try await intelligence.store.subscriptions().map(Self.subscription)))
    }

    struct NewSubscription: Codable {
        var url: String
        var account: String
        var token: String
        var collection: String
    }

    func subscribe(_ request: Request) async throws -> Response {
        let body = try await decode(NewSubscription.self, from: request)
        return try await handling {
            let subscription = try await subscriptions.subscribe(url: body.url, account: body.account, token: body.token, collection: body.collection)
            return JSONResponse.make(Self.subscription(subscription), status: .created)
        }
    }

    func taxiiAccounts() async throws -> Response {
        JSONResponse.make(
            .array(
                try await intelligence.store.accounts().map { account in
                    [
                        "name": .string(account.name), "relation": .string(account.relation.rawValue),
                        "read": .array(account.grants.filter(\.value.read).keys.sorted().map(JSONValue.string)),
                        "write": .array(account.grants.filter(\.value.write).keys.sorted().map(JSONValue.string)),
                    ]
                }
            )
        )
    }

    struct NewAccount: Codable {
        var name: String
        var relation: Reader.Relation
        var read: [String]?
        var write: [String]?
    }

    func saveTAXIIAccount(_ request: Request) async throws -> Response {
        let body = try await decode(NewAccount.self, from: request)
        return try await handling {
            let token = try await intelligence.saveAccount(name: body.name, relation: body.relation, read: body.read ?? [], write: body.write ?? [])
            return JSONResponse.make(["name": .string(body.name), "token": .string(token)], status: .created)
        }
    }
}
