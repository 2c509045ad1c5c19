import EntenteProtocol
import Foundation
import Hummingbird
import Intelligence
import Storage

/// The TAXII 2.1 server under `/taxii2/`: discovery, one API root (`/taxii2/entente/`), its
/// collections, objects (get, add, delete), an object and its versions, the manifest and
/// status resources. Authenticated by HTTP Basic (account name and token) or a bearer
/// token; read and write rights per collection; TLP enforced by `TLPPolicy` in every read.
struct TAXIIRoutes {
    let intelligence: IntelligenceService
    let operatorToken: String
    let limiter: RateLimiter

    static let taxiiMediaType = "application/taxii+json;version=2.1"
    static let stixMediaType = "application/stix+json;version=2.1"
    static let apiRoot = TAXIICollection.apiRoot
    static let maxContentLength = 256 << 20
    /// Objects validated and stored per transaction while a large envelope streams in.
    static let batchSize = 500
    static let defaultPageSize = 1000
    static let maximumPageSize = 10_000

    var store: NodeStore { intelligence.store }

    func register(on router: Router<NodeRequestContext>) {
        let taxii = router.group("taxii2")
        taxii.get("") { request, context in try await self.respond(request, context) { _ in try self.discovery() } }
        taxii.get(":root") { request, context in try await self.respond(request, context) { _ in try self.root(context) } }
        taxii.get(":root/collections") { request, context in try await self.respond(request, context) { try await self.collections($0, context) } }
        taxii.get(":root/collections/:collection") { request, context in
            try await self.respond(request, context) { try await self.collection($0, context) }
        }
        taxii.get(":root/collections/:collection/objects") { request, context in
            try await self.respond(request, context) { try await self.objects(request, $0, context, objectID: nil) }
        }
        taxii.post(":root/collections/:collection/objects") { request, context in
            try await self.respond(request, context) { try await self.add(request, $0, context) }
        }
        taxii.get(":root/collections/:collection/objects/:object") { request, context in
            try await self.respond(request, context) { try await self.objects(request, $0, context, objectID: try self.objectID(context)) }
        }
        taxii.delete(":root/collections/:collection/objects/:object") { request, context in
            try await self.respond(request, context) { try await self.delete(request, $0, context) }
        }
        taxii.get(":root/collections/:collection/objects/:object/versions") { request, context in
            try await self.respond(request, context) { try await self.versions(request, $0, context) }
        }
        taxii.get(":root/collections/:collection/manifest") { request, context in
            try await self.respond(request, context) { try await self.manifest(request, $0, context) }
        }
        taxii.get(":root/status/:status") { request, context in try await self.respond(request, context) { try await self.status($0, context) } }
    }

    // MARK: Resources

    func discovery() throws -> Response {
        let endpoint = intelligence.identity.endpoint
        let base = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/taxii2/"
        return Self.json([
            "title": .string("Entente node \(intelligence.identity.name)"),
            "description": .string("Threat intelligence shared under TLP 2.0 by \(intelligence.identity.id)."),
            "contact": .string(intelligence.identity.pointsOfContact.first?.email ?? ""),
            "default": .string(base + Self.apiRoot + "/"), "api_roots": [.string(base + Self.apiRoot + "/")],
        ])
    }

    func root(_ context: NodeRequestContext) throws -> Response {
        try checkRoot(context)
        return Self.json([
            "title": .string("Entente threat intelligence"), "versions": [.string(Self.taxiiMediaType)],
            "max_content_length": .number(Double(Self.maxContentLength)),
        ])
    }

    func collections(_ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        try checkRoot(context)
        let visible = try await store.collections().filter { principal.canSee($0.id) }
        return Self.json(visible.isEmpty ? [:] : ["collections": .array(visible.map { resource($0, principal) })])
    }

    func collection(_ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        Self.json(resource(try await visibleCollection(principal, context), principal))
    }

    func resource(_ collection: TAXIICollection, _ principal: IntelligenceService.Principal) -> JSONValue {
        [
            "id": .string(collection.id), "title": .string(collection.title), "description": .string(collection.description),
            "can_read": .bool(principal.canRead(collection.id)), "can_write": .bool(principal.canWrite(collection.id)),
            "media_types": [.string(Self.stixMediaType)],
        ]
    }

    func objects(
        _ request: Request,
        _ principal: IntelligenceService.Principal,
        _ context: NodeRequestContext,
        objectID: String?
    ) async throws -> Response {
        let collection = try await readableCollection(principal, context)
        var query = try Self.query(request, collection: collection.id, reader: principal.reader, objectID: objectID)
        if objectID != nil { query.ids = [] }
        let page = try await store.stixObjects(query)
        if objectID != nil, page.objects.isEmpty, query.addedAfter == nil { throw TAXIIError.notFound("no object \(objectID!) in this collection") }
        var body = "{\"more\":\(page.more)"
        if page.more, let last = page.objects.last { body += ",\"next\":\"\(last.dateAdded)\"" }
        if !page.objects.isEmpty { body += ",\"objects\":[" + page.objects.map(\.document).joined(separator: ",") + "]" }
        body += "}"
        return Self.response(body, dateAdded: page.objects)
    }

    func manifest(_ request: Request, _ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        let collection = try await readableCollection(principal, context)
        let page = try await store.stixObjects(try Self.query(request, collection: collection.id, reader: principal.reader, objectID: nil))
        var body: [String: JSONValue] = ["more": .bool(page.more)]
        if page.more, let last = page.objects.last { body["next"] = .string(String(last.dateAdded)) }
        if !page.objects.isEmpty {
            body["objects"] = .array(
                page.objects.map { object in
                    [
                        "id": .string(object.id), "date_added": .string(STIXTime.format(microseconds: object.dateAdded)),
                        "version": .string(object.version.isEmpty ? STIXTime.format(microseconds: object.dateAdded) : object.version),
                        "media_type": .string(Self.stixMediaType),
                    ]
                }
            )
        }
        return Self.response(JSONValue.object(body).canonicalString, dateAdded: page.objects)
    }

    func versions(_ request: Request, _ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        let collection = try await readableCollection(principal, context)
        var query = try Self.query(request, collection: collection.id, reader: principal.reader, objectID: try objectID(context))
        query.versions = ["all"]
        let page = try await store.stixObjects(query)
        if page.objects.isEmpty, query.addedAfter == nil { throw TAXIIError.notFound("no object \(query.objectID!) in this collection") }
        var body: [String: JSONValue] = ["more": .bool(page.more)]
        if page.more, let last = page.objects.last { body["next"] = .string(String(last.dateAdded)) }
        if !page.objects.isEmpty {
            body["versions"] = .array(page.objects.map { .string($0.version.isEmpty ? STIXTime.format(microseconds: $0.dateAdded) : $0.version) })
        }
        return Self.response(JSONValue.object(body).canonicalString, dateAdded: page.objects)
    }

    func add(_ request: Request, _ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        let collection = try await visibleCollection(principal, context)
        guard principal.canWrite(collection.id) else { throw TAXIIError.forbidden("no write access to collection \(collection.id)") }
        guard let type = request.headers[.contentType], Self.isTAXIIMediaType(type) else {
            throw TAXIIError(status: .unsupportedMediaType, title: "Unsupported media type", description: "send \(Self.taxiiMediaType)")
        }
        // The envelope is read as it arrives and stored a batch at a time: only one batch is ever in memory.
        let requested = Date()
        var splitter = EnvelopeSplitter()
        var result = IntelligenceService.AddResult()
        var batch: [(json: JSONValue, source: String?)] = []
        var total = 0
        var received = 0
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let added = try await intelligence.add(batch, to: collection, by: principal, now: requested)
            result.successes += added.successes
            result.failures += added.failures
            batch = []
        }
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                guard received <= Self.maxContentLength else {
                    throw TAXIIError(status: .contentTooLarge, title: "Too large", description: "at most \(Self.maxContentLength) bytes per request")
                }
                for bytes in try splitter.feed(chunk.readableBytesView) {
                    total += 1
                    do { batch.append((try JSONValue(parsing: bytes), String(decoding: bytes, as: UTF8.self))) } catch {
                        result.failures.append((nil, nil, "object \(total) is not JSON: \(error)"))
                    }
                    if batch.count == Self.batchSize { try await flush() }
                }
            }
            try splitter.finish()
        } catch let error as STIXError {
            guard total > 0 else { throw TAXIIError.badRequest("the body is not a TAXII envelope: \(error.description)") }
            result.failures.append((nil, nil, "the envelope ends badly after \(total) objects: \(error.description)"))
        }
        try await flush()
        let status: JSONValue = [
            "id": .string(UUID().uuidString.lowercased()), "status": "complete",
            "request_timestamp": .string(STIXTime.format(microseconds: requested.unixMilliseconds * 1000)),
            "total_count": .number(Double(total)), "success_count": .number(Double(result.successes.count)),
            "successes": .array(result.successes.map { ["id": .string($0.id), "version": $0.version.map(JSONValue.string) ?? .string("")] }),
            "failure_count": .number(Double(result.failures.count)),
            "failures": .array(
                result.failures.map { failure in
                    var entry: [String: JSONValue] = ["id": .string(failure.id ?? ""), "message": .string(failure.message)]
                    if let version = failure.version { entry["version"] = .string(version) }
                    return .object(entry)
                }
            ),
            "pending_count": 0, "pendings": [],
        ]
        try await store.saveStatus(
            id: status["id"]!.stringValue!,
            collection: collection.id,
            account: principal.name,
            document: status.canonicalString,
            now: requested
        )
        return Self.response(status.canonicalString, status: .accepted)
    }

    func delete(_ request: Request, _ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        let collection = try await visibleCollection(principal, context)
        guard principal.canWrite(collection.id), principal.canRead(collection.id) else {
            throw TAXIIError.forbidden("no write access to collection \(collection.id)")
        }
        var query = try Self.query(request, collection: collection.id, reader: principal.reader, objectID: try objectID(context))
        query.addedAfter = nil
        if Self.parameter(request, "match[version]") == nil { query.versions = ["all"] }
        let deleted: Int
        do { deleted = try await intelligence.delete(query, by: principal) } catch ServiceFailure.forbidden(let reason) {
            throw TAXIIError.forbidden(reason)
        }
        guard deleted > 0 else { throw TAXIIError.notFound("no object \(query.objectID!) in this collection") }
        return Self.response("{}")
    }

    func status(_ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> Response {
        try checkRoot(context)
        guard let id = context.parameters.get("status"), let document = try await store.status(id, account: principal.name) else {
            throw TAXIIError.notFound("no such status")
        }
        return Self.response(document)
    }

    // MARK: Parameters

    static func parameter(_ request: Request, _ name: String) -> String? {
        let parameters = request.uri.queryParameters
        if let value = parameters.get(name) { return value }
        let encoded = name.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D")
        return parameters.get(encoded) ?? parameters.get(encoded.lowercased())
    }

    static func query(_ request: Request, collection: String, reader: Reader, objectID: String?) throws -> STIXQuery {
        var limit = defaultPageSize
        if let text = parameter(request, "limit") {
            guard let value = Int(text), value > 0 else { throw TAXIIError.badRequest("limit must be a positive integer") }
            limit = min(value, maximumPageSize)
        }
        var query = STIXQuery(collection: collection, reader: reader, objectID: objectID, limit: limit)
        if let text = parameter(request, "added_after") {
            guard let microseconds = STIXTime.microseconds(text) else { throw TAXIIError.badRequest("added_after must be a timestamp") }
            query.addedAfter = microseconds
        }
        if let next = parameter(request, "next") {
            guard let cursor = Int64(next) else { throw TAXIIError.badRequest("next is not a value this server gave") }
            query.addedAfter = max(query.addedAfter ?? 0, cursor)
        }
        func list(_ name: String) -> [String] {
            (parameter(request, name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        query.ids = list("match[id]")
        query.types = list("match[type]")
        query.specVersions = list("match[spec_version]")
        let versions = list("match[version]")
        if !versions.isEmpty {
            query.versions = try versions.map { token in
                if ["last", "first", "all"].contains(token) { return token }
                guard let microseconds = STIXTime.microseconds(token) else {
                    throw TAXIIError.badRequest("match[version] takes last, first, all or timestamps")
                }
                return String(microseconds)
            }
        }
        return query
    }

    func objectID(_ context: NodeRequestContext) throws -> String {
        guard let id = context.parameters.get("object"), id.contains("--"), id.utf8.count <= 300 else {
            throw TAXIIError.notFound("not an object id")
        }
        return id
    }

    func checkRoot(_ context: NodeRequestContext) throws {
        guard context.parameters.get("root") == Self.apiRoot else {
            throw TAXIIError.notFound("no API root here: the API root is /taxii2/\(Self.apiRoot)/")
        }
    }

    func visibleCollection(_ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> TAXIICollection {
        try checkRoot(context)
        guard let id = context.parameters.get("collection"), principal.canSee(id), let collection = try await store.collection(id) else {
            throw TAXIIError.notFound("no such collection")
        }
        return collection
    }

    func readableCollection(_ principal: IntelligenceService.Principal, _ context: NodeRequestContext) async throws -> TAXIICollection {
        let collection = try await visibleCollection(principal, context)
        guard principal.canRead(collection.id) else { throw TAXIIError.forbidden("no read access to collection \(collection.id)") }
        return collection
    }

    // MARK: Authentication, negotiation, responses

    /// Authenticates, checks the Accept header, runs `body`, and turns failures into TAXII error messages.
    func respond(
        _ request: Request,
        _ context: NodeRequestContext,
        _ body: (IntelligenceService.Principal) async throws -> Response
    ) async throws -> Response {
        do {
            let principal = try await authenticate(request)
            if let wait = await limiter.admit("taxii:" + principal.name) {
                throw TAXIIError(status: .tooManyRequests, title: "Slow down", description: "retry in \(Int(wait.rounded(.up))) s")
            }
            if let accept = request.headers[.accept], !Self.acceptsTAXII(accept) {
                throw TAXIIError(status: .notAcceptable, title: "Not acceptable", description: "this server answers \(Self.taxiiMediaType)")
            }
            return try await body(principal)
        } catch let error as TAXIIError {
            var response = Self.response(error.body, status: error.status)
            if error.status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"entente\", Bearer realm=\"entente\"" }
            return response
        }
    }

    func authenticate(_ request: Request) async throws -> IntelligenceService.Principal {
        guard let header = request.headers[.authorization] else {
            throw TAXIIError(
                status: .unauthorized,
                title: "Authentication required",
                description: "use HTTP Basic (account, token) or a bearer token"
            )
        }
        var token: String?
        var claimedName: String?
        if header.hasPrefix("Bearer ") {
            token = String(header.dropFirst("Bearer ".count))
        } else if header.hasPrefix("Basic "), let decoded = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            claimedName = String(text[..<colon])
            token = String(text[text.index(after: colon)...])
        }
        guard let token, !token.isEmpty else {
            throw TAXIIError(status: .unauthorized, title: "Authentication required", description: "malformed Authorization header")
        }
        if constantTimeEquals(Array(token.utf8), Array(operatorToken.utf8)) {
            return .nodeOperator
        }
        guard let account = try await store.account(tokenHash: Secret.storageHash(token)), claimedName == nil || claimedName == account.name else {
            throw TAXIIError(status: .unauthorized, title: "Authentication failed", description: "unknown account or token")
        }
        return .init(name: account.name, relation: account.relation, grants: account.grants, isOperator: false)
    }

    static func isTAXIIMediaType(_ value: String) -> Bool {
        let compact = value.lowercased().replacingOccurrences(of: " ", with: "")
        return compact == "application/taxii+json" || compact.hasPrefix("application/taxii+json;version=2.1")
    }

    static func acceptsTAXII(_ accept: String) -> Bool {
        accept.split(separator: ",").contains { part in
            let type = part.lowercased().replacingOccurrences(of: " ", with: "")
            return type.hasPrefix("*/*") || type.hasPrefix("application/*") || type == "application/taxii+json"
                || type.hasPrefix("application/taxii+json;version=2.1") || (type.hasPrefix("application/taxii+json;") && !type.contains("version="))
        }
    }

    static func json(_ value: JSONValue) -> Response { response(value.canonicalString) }

    static func response(_ body: String, status: HTTPResponse.Status = .ok, dateAdded objects: [StoredSTIXObject] = []) -> Response {
        var headers: HTTPFields = [.contentType: taxiiMediaType, .cacheControl: "no-store"]
        if let first = objects.first, let last = objects.last {
            headers[.init("X-TAXII-Date-Added-First")!] = STIXTime.format(microseconds: first.dateAdded)
            headers[.init("X-TAXII-Date-Added-Last")!] = STIXTime.format(microseconds: last.dateAdded)
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A TAXII error message (TAXII 2.1, section 3.6.1).
struct TAXIIError: Error {
    let status: HTTPResponse.Status
    let title: String
    let description: String

    static func notFound(_ description: String) -> TAXIIError { .init(status: .notFound, title: "Not found", description: description) }
    static func forbidden(_ description: String) -> TAXIIError { .init(status: .forbidden, title: "Forbidden", description: description) }
    static func badRequest(_ description: String) -> TAXIIError { .init(status: .badRequest, title: "Bad request", description: description) }

    var body: String {
        JSONValue.object(["title": .string(title), "description": .string(description), "http_status": .string(String(status.code))]).canonicalString
    }
}
