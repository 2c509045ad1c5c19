import EntenteProtocol
import Federation
import Foundation
import Hotline
import Hummingbird
import Intelligence
import Storage

/// `/api/v1`: what the CLI and scripts use, authenticated by the operator token.
struct APIRoutes {
    let service: HotlineService
    let cases: CaseService
    let records: RecordService
    let drills: DrillService
    let intelligence: IntelligenceService
    let subscriptions: SubscriptionService
    let operatorToken: String
    let limiter: RateLimiter
    let passwordHasher: PasswordHasher
    static let bodyLimit = 256 * 1024

    func register(on router: Router<NodeRequestContext>) {
        let api = router.group("api/v1").add(
            middleware: APIAuthenticationMiddleware(operatorToken: operatorToken, store: service.store, limiter: limiter)
        )
        // What changes the node itself (trust, accounts, delivery) is the operator's alone.
        let admin = api.group().add(middleware: OperatorOnlyMiddleware())
        api.get("node") { _, _ in try self.node() }
        api.get("peers") { _, _ in try await self.listPeers() }
        api.get("directory") { _, _ in
            JSONResponse.make(await service.peers.anchors(with: service.identity).directory(exportedBy: service.identity.id))
        }
        admin.post("peers/preview") { request, _ in try await self.previewPeer(request) }
        admin.post("peers") { request, _ in try await self.addPeer(request) }
        admin.post("peers/:id/refresh") { _, context in try await self.refreshPeer(context) }
        admin.delete("peers/:id") { _, context in try await self.removePeer(context) }
        api.get("peers/pending") { _, _ in JSONResponse.make(.array(try await service.store.pendingChanges().map(Representation.pendingChange))) }
        admin.post("peers/:id/confirm") { _, context in
            let id = try participant(context)
            return try await handling { JSONResponse.make(try Representation.peer(try await service.confirmPeer(id))) }
        }
        admin.post("peers/:id/reject") { _, context in
            let id = try participant(context)
            try await service.peers.rejectPending(id)
            return JSONResponse.make(["rejected": .string(id.rawValue)])
        }
        api.get("alerts") { _, _ in try await self.alerts() }
        api.post("messages") { request, context in try await self.send(request, context) }
        api.get("messages") { request, context in try await self.listMessages(request, context) }
        api.get("messages/:id") { _, context in try await self.message(context) }
        api.post("messages/:id/acknowledge") { request, context in try await self.acknowledge(request, context) }
        api.post("checks") { request, context in try await self.sendChecks(request, context) }
        api.get("checks") { _, _ in try await self.checkReport() }
        admin.get("users") { _, _ in try await self.listUsers() }
        admin.post("users") { request, _ in try await self.createUser(request) }
        admin.post("users/:username/tokens") { _, context in try await self.createAPIToken(context) }
        api.get("outbox") { _, _ in try await self.outboxStatus() }
        admin.post("outbox/retry") { _, _ in try await self.retryOutbox() }
        CaseAPIRoutes(cases: cases, api: self).register(on: api)
        RecordAPIRoutes(records: records, drills: drills, api: self).register(on: api)
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

    func node() throws -> Response {
        let identity = service.identity
        return JSONResponse.make([
            "id": .string(identity.id.rawValue), "name": .string(identity.name), "kind": .string(identity.kind.rawValue),
            "endpoint": .string(identity.endpoint), "fingerprint": .string(identity.keys.publicKeys.fingerprint.description),
            "acknowledgementDeadlinesSeconds": .object(
                Dictionary(
                    uniqueKeysWithValues: Priority.allCases.map {
                        ($0.rawValue, JSONValue.number(Double(identity.acknowledgementPolicy.deadline(for: $0).components.seconds)))
                    }
                )
            ),
        ])
    }

    func listPeers() async throws -> Response {
        JSONResponse.make(.array(try await service.peers.all().map(Representation.peer)))
    }

    struct URLRequestBody: Decodable { var url: String }
    struct AddPeerBody: Decodable {
        var url: String
        var fingerprint: String
    }

    func previewPeer(_ request: Request) async throws -> Response {
        let body = try await decode(URLRequestBody.self, from: request)
        return try await handling { JSONResponse.make(try Representation.descriptorPreview(try await service.preview(url: body.url).descriptor)) }
    }

    func addPeer(_ request: Request) async throws -> Response {
        let body = try await decode(AddPeerBody.self, from: request)
        guard let fingerprint = Fingerprint(body.fingerprint) else { throw APIError.badRequest("fingerprint must be 30 digits") }
        return try await handling {
            JSONResponse.make(try Representation.peer(try await service.addPeer(url: body.url, fingerprint: fingerprint)), status: .created)
        }
    }

    func refreshPeer(_ context: NodeRequestContext) async throws -> Response {
        let id = try participant(context)
        return try await handling {
            switch try await service.refreshPeer(id) {
            case .applied(let peer): return JSONResponse.make(try Representation.peer(peer))
            case .pending(let change): return JSONResponse.make(Representation.pendingChange(change), status: .accepted)
            }
        }
    }

    func removePeer(_ context: NodeRequestContext) async throws -> Response {
        let id = try participant(context)
        guard try await service.peers.remove(id) else { throw APIError.notFound("\(id) is not a peer") }
        return Response(status: .noContent)
    }

    func alerts() async throws -> Response {
        JSONResponse.make(.array(try await service.store.keyAlerts().map(Representation.alert)))
    }

    struct SendBody: Decodable {
        var to: [String]
        var template: Template
        var priority: Priority
        var subject: String
        var body: String?
        var language: String?
        var fields: [String: String]?
        var attachments: [HotlineMessage.Attachment]?
        var caseReference: String?
        var inReplyTo: String?
        var tlp: TLP?
        var exercise: Bool?
        var answersExerciseAsReal: Bool?
    }

    func send(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decode(SendBody.self, from: request)
        let recipients = try body.to.map { text in
            guard let id = ParticipantID(text) else { throw APIError.badRequest("\(text) is not a participant id") }
            return id
        }
        let draft = HotlineService.Draft(
            to: recipients,
            template: body.template,
            priority: body.priority,
            subject: body.subject,
            body: body.body ?? "",
            language: body.language ?? "en",
            fields: body.fields ?? [:],
            attachments: body.attachments ?? [],
            caseReference: body.caseReference,
            inReplyTo: body.inReplyTo,
            tlp: body.tlp ?? .amber,
            exercise: body.exercise ?? false,
            answersExerciseAsReal: body.answersExerciseAsReal ?? false
        )
        return try await handling {
            let ids = try await service.send(draft, composedBy: context.principal?.name, role: context.principal?.role ?? .observer)
            return JSONResponse.make(["id": .string(ids[0]), "ids": .array(ids.map(JSONValue.string))], status: .created)
        }
    }

    func listMessages(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let box = request.uri.queryParameters.get("box") ?? "inbox"
        guard let direction: Direction = box == "inbox" ? .incoming : box == "sent" ? .outgoing : nil else {
            throw APIError.badRequest("box must be inbox or sent")
        }
        let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 200
        guard (1...1000).contains(limit) else { throw APIError.badRequest("limit must be 1 to 1000") }
        let now = Date()
        let role = context.principal?.role ?? .observer
        return JSONResponse.make(
            .array(
                try await service.store.messages(direction: direction, limit: limit).map {
                    try Representation.message($0.readable(by: role), now: now)
                }
            )
        )
    }

    func message(_ context: NodeRequestContext) async throws -> Response {
        let id = try messageID(context)
        guard let message = try await service.store.message(id) else { throw APIError.notFound("no message \(id)") }
        return JSONResponse.make(try Representation.message(message.readable(by: context.principal?.role ?? .observer), now: Date()))
    }

    struct AcknowledgeBody: Decodable { var by: String? }

    func acknowledge(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try messageID(context)
        let body = try await decodeOptional(AcknowledgeBody.self, from: request)
        let principal = context.principal ?? .operatorToken
        return try await handling {
            try await service.acknowledge(id, by: body?.by ?? principal.name, role: principal.role.rawValue)
            return JSONResponse.make(["id": .string(id), "acknowledged": true])
        }
    }

    struct CheckBody: Decodable {
        var to: [String]?
        var exercise: Bool?
    }

    func sendChecks(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let body = try await decodeOptional(CheckBody.self, from: request)
        let targets = try body?.to.map {
            try $0.map { text in
                guard let id = ParticipantID(text) else { throw APIError.badRequest("\(text) is not a participant id") }
                return id
            }
        }
        return try await handling {
            let sent = try await service.sendCommunicationChecks(to: targets, composedBy: context.principal?.name, exercise: body?.exercise ?? false)
            return JSONResponse.make(["sent": .object(sent.mapValues(JSONValue.string))], status: .created)
        }
    }

    func checkReport() async throws -> Response {
        JSONResponse.make(Representation.checkReport(CheckReport(checks: try await service.store.communicationChecks())))
    }

    /// A personal API token for one person: the CLI then acts as them, with their role.
    func createAPIToken(_ context: NodeRequestContext) async throws -> Response {
        guard let username = context.parameters.get("username"), let user = try await service.store.user(username) else {
            throw APIError.notFound("no user \(context.parameters.get("username") ?? "")")
        }
        let token = Secret.generate()
        try await service.store.createAPIToken(tokenHash: Secret.storageHash(token), username: user.username, now: Date())
        return JSONResponse.make(
            ["username": .string(user.username), "role": .string(user.role.rawValue), "token": .string(token)],
            status: .created
        )
    }

    func listUsers() async throws -> Response {
        JSONResponse.make(
            .array(
                try await service.store.users().map { user in
                    ["username": .string(user.username), "displayName": .string(user.displayName), "role": .string(user.role.rawValue)]
                }
            )
        )
    }

    struct CreateUserBody: Decodable {
        var username: String
        var displayName: String
        var role: Role
        var password: String
    }

    func createUser(_ request: Request) async throws -> Response {
        let body = try await decode(CreateUserBody.self, from: request)
        try UserValidation.validate(username: body.username, displayName: body.displayName, password: body.password)
        let user = UserRecord(
            username: body.username,
            displayName: body.displayName,
            role: body.role,
            passwordHash: try await passwordHasher.hashOffThePool(body.password)
        )
        return try await handling {
            try await service.store.createUser(user, now: Date())
            return JSONResponse.make(["username": .string(user.username), "role": .string(user.role.rawValue)], status: .created)
        }
    }

    func outboxStatus() async throws -> Response {
        JSONResponse.make([
            "depth": .number(Double(try await service.store.outboxDepth())),
            "recipients": .array(
                try await service.store.outboxByRecipient().map { entry in
                    [
                        "recipient": .string(entry.recipient), "queued": .number(Double(entry.queued)),
                        "nextAttemptAt": .string(Timestamp.format(entry.nextAttemptAt)),
                        "lastError": entry.lastError.map(JSONValue.string) ?? .null,
                    ]
                }
            ),
        ])
    }

    func retryOutbox() async throws -> Response {
        try await service.store.retryOutboxNow(now: Date())
        await service.outbox.wake()
        return JSONResponse.make(["depth": .number(Double(try await service.store.outboxDepth()))])
    }

    // MARK: Helpers

    func handling(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch { throw APIError.from(error) }
    }

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let json = try await request.jsonBody(limit: Self.bodyLimit)
        do { return try json.decoded(as: type) } catch { throw APIError.badRequest(error.description) }
    }

    func decodeOptional<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        let buffer = try await request.collectBody(limit: Self.bodyLimit)
        guard buffer.readableBytes > 0 else { return nil }
        do { return try JSONValue(parsing: buffer.readableBytesView).decoded(as: type) } catch {
            throw APIError.badRequest("invalid body: \(error)")
        }
    }

    // MARK: TAXII administration

    func taxiiCollections() async throws -> Response {
        JSONResponse.make(.array(try await intelligence.store.collections().map(Self.collection)))
    }

    static func collection(_ collection: TAXIICollection) -> JSONValue {
        [
            "id": .string(collection.id), "title": .string(collection.title), "description": .string(collection.description),
            "defaultTLP": .string(collection.defaultTLP.rawValue), "url": .string(collection.path),
        ]
    }

    struct NewCollection: Decodable {
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
            let objects = CaseIntelligence.bundle(of: state, producedBy: service.identity.id)
            guard !objects.isEmpty else {
                throw ServiceFailure.conflict(
                    "\(service.identity.id) has shared no indicator or file in case \(caseID): other participants' evidence is theirs to share"
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

    struct NewSighting: Decodable {
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

    struct NewSubscription: Decodable {
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

    struct NewAccount: Decodable {
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

    /// The person taking a signed step: the name given, else the signed-in user or the operator.
    func person(_ name: String?, _ context: NodeRequestContext) -> Person {
        let principal = context.principal ?? .operatorToken
        return Person(name: name.map { String($0.prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 } ?? principal.name, role: principal.role.rawValue)
    }

    func entryID(_ context: NodeRequestContext, _ parameter: String) throws -> String {
        guard let id = context.parameters.get(parameter), UUIDv7.isValid(id) else { throw APIError.badRequest("invalid \(parameter) id") }
        return id
    }

    func participant(_ context: NodeRequestContext) throws -> ParticipantID {
        guard let id = context.parameters.get("id").flatMap(ParticipantID.init) else { throw APIError.badRequest("invalid participant id") }
        return id
    }

    func messageID(_ context: NodeRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), UUIDv7.isValid(id) else { throw APIError.badRequest("invalid message id") }
        return id
    }
}

enum UserValidation {
    static func validate(username: String, displayName: String, password: String) throws {
        guard (2...64).contains(username.count), username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw APIError.badRequest("username must be 2 to 64 letters, digits, dots, dashes or underscores")
        }
        guard (1...200).contains(displayName.count) else { throw APIError.badRequest("display name must be 1 to 200 characters") }
        guard password.count >= PasswordHasher.minimumPasswordLength, password.utf8.count <= 1024 else {
            throw APIError.badRequest("password must be at least \(PasswordHasher.minimumPasswordLength) characters")
        }
    }
}

/// Admits requests bearing the operator token or a person's API token, within that principal's
/// rate limit; observers read only.
struct APIAuthenticationMiddleware: RouterMiddleware {
    let operatorToken: String
    let store: NodeStore
    let limiter: RateLimiter

    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw APIError.unauthorized }
        let presented = String(header.dropFirst("Bearer ".count))
        var context = context
        if constantTimeEquals(Array(presented.utf8), Array(operatorToken.utf8)) {
            context.principal = .operatorToken
        } else if (1...256).contains(presented.utf8.count), let user = try await store.user(apiTokenHash: Secret.storageHash(presented)) {
            context.principal = .person(user)
        } else {
            throw APIError.unauthorized
        }
        let principal = context.principal!
        if let wait = await limiter.admit(principal.rateLimitKey) { throw APIError.rateLimited(wait) }
        if request.method != .get, !principal.role.canWrite {
            throw APIError(.forbidden, "forbidden", "\(principal.accountName) is an observer: observers read, they do not write")
        }
        return try await next(request, context)
    }
}

/// Lets through the operator token only: for what administers the node rather than speaks through it.
struct OperatorOnlyMiddleware: RouterMiddleware {
    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        guard case .operatorToken = context.principal else {
            throw APIError(.forbidden, "forbidden", "only the node's operator (its operator token) administers peers, accounts and delivery")
        }
        return try await next(request, context)
    }
}
