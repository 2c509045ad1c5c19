import EntenteProtocol
import Federation
import Foundation
import Hotline
import Hummingbird
import Storage

/// `/api/v1` itself — its authentication and its two doors — and what administers the node: who it is,
/// its people and their tokens, its outbox.
struct AdministrationRoutes: APIHandler {
    let identity: LocalIdentity
    let store: NodeStore
    let outbox: OutboxWorker
    let operatorToken: String
    let limiter: RateLimiter
    let passwordHasher: PasswordHasher

    /// Adds the administration routes and returns the doors the features' routes go in.
    func register(on router: Router<NodeRequestContext>) -> APIGroups {
        let api = router.group("api/v1").add(
            middleware: APIAuthenticationMiddleware(operatorToken: operatorToken, store: store, limiter: limiter)
        )
        // What changes the node itself (trust, accounts, delivery) is the operator's alone.
        let admin = api.group().add(middleware: OperatorOnlyMiddleware())
        api.get("node") { _, _ in try self.node() }
        admin.get("users") { _, _ in try await self.listUsers() }
        admin.post("users") { request, _ in try await self.createUser(request) }
        admin.post("users/:username/tokens") { _, context in try await self.createAPIToken(context) }
        api.get("outbox") { _, _ in try await self.outboxStatus() }
        admin.post("outbox/retry") { _, _ in try await self.retryOutbox() }
        return APIGroups(any: api, operatorOnly: admin)
    }

    func node() throws -> Response {
        JSONResponse.make([
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

    /// A personal API token for one person: the CLI then acts as them, with their role.
    func createAPIToken(_ context: NodeRequestContext) async throws -> Response {
        guard let username = context.parameters.get("username"), let user = try await store.user(username) else {
            throw APIError.notFound("no user \(context.parameters.get("username") ?? "")")
        }
        let token = Secret.generate()
        try await store.createAPIToken(tokenHash: Secret.storageHash(token), username: user.username, now: Date())
        return JSONResponse.make(
            ["username": .string(user.username), "role": .string(user.role.rawValue), "token": .string(token)],
            status: .created
        )
    }

    func listUsers() async throws -> Response {
        JSONResponse.make(
            .array(
                try await store.users().map { user in
                    ["username": .string(user.username), "displayName": .string(user.displayName), "role": .string(user.role.rawValue)]
                }
            )
        )
    }

    struct CreateUserBody: Codable {
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
            try await store.createUser(user, now: Date())
            return JSONResponse.make(["username": .string(user.username), "role": .string(user.role.rawValue)], status: .created)
        }
    }

    func outboxStatus() async throws -> Response {
        JSONResponse.make([
            "depth": .number(Double(try await store.outboxDepth())),
            "recipients": .array(
                try await store.outboxByRecipient().map { entry in
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
        try await store.retryOutboxNow(now: Date())
        await outbox.wake()
        return JSONResponse.make(["depth": .number(Double(try await store.outboxDepth()))])
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
