import EntenteProtocol
import Foundation
import Hummingbird
import Languages
import Storage
import WebInterface

/// Signing in and out of the web interface, and the session every other page sits behind.
///
/// Sessions are random tokens in an HttpOnly, SameSite=Strict cookie, stored hashed; every form carries
/// the session's CSRF token, and the login form a double-submit token of its own.
struct WebSession: WebPage {
    init(site: Site, store: NodeStore, limiter: RateLimiter, secureCookies: Bool, passwordHasher: PasswordHasher) throws {
        self.site = site
        self.store = store
        self.limiter = limiter
        self.secureCookies = secureCookies
        unknownUserHash = try passwordHasher.hash(Secret.generate())
    }

    let site: Site
    let store: NodeStore
    let limiter: RateLimiter
    let secureCookies: Bool
    let loginLimiter = RateLimiter(.init(rate: 10.0 / 60, burst: 10))
    let unknownUserHash: String
    /// Cookies are scoped by host, not port: nodes side by side on one host (the demo)
    /// would overwrite each other's sessions if their cookies shared a name.
    var sessionCookie: String { "entente_session_" + site.identity.id.rawValue }
    var loginCookie: String { "entente_login_" + site.identity.id.rawValue }
    static let sessionLifetime: TimeInterval = 12 * 3600

    /// Adds sign-in and sign-out, and returns the group the features' pages go in: signed-in people only,
    /// every form checked for the session's CSRF token, and only people who may write may post.
    func register(on router: Router<NodeRequestContext>) -> RouterGroup<NodeRequestContext> {
        router.get("/") { request, _ in
            Response(status: .seeOther, headers: [.location: request.cookies[sessionCookie] == nil ? "/login" : "/inbox"])
        }
        router.get("login") { _, _ in self.loginPage(error: nil) }
        router.post("login") { request, context in try await self.login(request, context) }
        let web = router.group().add(middleware: SessionMiddleware(session: self)).add(middleware: CSRFMiddleware(session: self))
        web.post("logout") { request, context in try await self.logout(request, context) }
        return web.group().add(middleware: WriterMiddleware())
    }

    func loginPage(error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = Secret.generate()
        var response = render(LoginPage(loginCSRF: token, error: error), nil, status: status)
        response.setCookie(cookie(loginCookie, token, maxAge: 3600))
        return response
    }

    func login(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        if let wait = await loginLimiter.admit("login:" + context.clientAddress) {
            return loginPage(error: "Too many sign-in attempts. Try again in \(Int(wait.rounded(.up))) seconds.", status: .tooManyRequests)
        }
        let typed = try await form(LoginForm.self, request, limit: 8 * 1024)
        guard let expected = request.cookies[loginCookie]?.value, let submitted = typed.csrf,
            constantTimeEquals(Array(expected.utf8), Array(submitted.utf8))
        else { return loginPage(error: "Your sign-in form expired. Please try again.", status: .forbidden) }
        let username = typed.username ?? ""
        let password = typed.password ?? ""
        let user = try await store.user(username)
        // Hash even for unknown names, so the response time does not tell which accounts exist.
        let verified = try await PasswordHasher.verifyOffThePool(password, against: user?.passwordHash ?? unknownUserHash)
        guard let user, verified else { return loginPage(error: "Unknown username or wrong password.", status: .unauthorized) }
        let token = Secret.generate()
        let now = Date()
        try await store.createSession(
            tokenHash: Secret.storageHash(token),
            username: user.username,
            csrfToken: Secret.generate(),
            now: now,
            expiresAt: now.addingTimeInterval(Self.sessionLifetime)
        )
        var response = Response(status: .seeOther, headers: [.location: "/inbox"])
        response.setCookie(cookie(sessionCookie, token, maxAge: Int(Self.sessionLifetime)))
        response.setCookie(cookie(loginCookie, "", maxAge: 0))
        return response
    }

    func logout(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        guard case .user(_, _, let tokenHash) = context.principal else { return redirect("/login") }
        try await store.deleteSession(tokenHash: tokenHash)
        var response = redirect("/login")
        response.setCookie(cookie(sessionCookie, "", maxAge: 0))
        return response
    }

    /// The language a person chose with the switch; one for every node on the host, as it is the person's.
    static let languageCookie = "entente_language"

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }
}

/// Resolves the session cookie to a person; sends everyone else to the sign-in page.
struct SessionMiddleware: RouterMiddleware {
    let session: WebSession

    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        let now = Date()
        guard let token = request.cookies[session.sessionCookie]?.value, !token.isEmpty else {
            return session.redirect("/login")
        }
        let store = session.store
        let tokenHash = Secret.storageHash(token)
        guard let record = try await store.session(tokenHash: tokenHash, now: now), let user = try await store.user(record.username) else {
            return session.redirect("/login")
        }
        var context = context
        context.principal = .user(user, session: record, tokenHash: tokenHash)
        context.interfaceLanguage =
            request.cookies[WebSession.languageCookie].flatMap { Language(rawValue: $0.value) }
            ?? request.headers[.acceptLanguage].flatMap { Language.preferred(acceptLanguage: $0) } ?? .english
        context.pagePath = request.uri.path
        context.keyAlertCount = Int(try await store.keyAlertCount())
        context.logAlertCount = Int(try await store.logAlertCount())
        if let wait = await session.limiter.admit(context.principal!.rateLimitKey) {
            return session.errorPage(context, .tooManyRequests, "Slow down", "Too many requests. Try again in \(Int(wait.rounded(.up))) seconds.")
        }
        do {
            return try await next(request, context)
        } catch let error as WebError {
            return session.errorPage(context, error.status, error.heading, error.message)
        } catch let error as APIError {
            return session.errorPage(context, error.status, "Request refused", error.message)
        }
    }
}

/// Every state-changing request in the web interface carries the session's CSRF token. It is checked
/// here, before any handler runs, so no form can forget it; the body read for it stays the handler's.
struct CSRFMiddleware: RouterMiddleware {
    let session: WebSession

    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        guard case .user(_, let record, _) = context.principal else { return session.redirect("/login") }
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: WebSession.largestFormLimit))
        guard let form = try? URLEncodedFormDecoder().decode(CSRFField.self, from: body) else {
            throw WebError(status: .badRequest, heading: "Unreadable form", message: "The form could not be read.")
        }
        guard let submitted = form.csrf, constantTimeEquals(Array(submitted.utf8), Array(record.csrfToken.utf8)) else {
            throw WebError(
                status: .forbidden,
                heading: "Form expired",
                message: "This form's security token is missing or stale. Reload the page and try again."
            )
        }
        return try await next(request, context)
    }
}

/// The features' pages change things only for people who may write: observers read.
struct WriterMiddleware: RouterMiddleware {
    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        if request.method != .get, request.method != .head, context.principal?.role.canWrite != true {
            throw WebError(status: .forbidden, heading: "Read-only account", message: "Observers can read the hotline but not send or acknowledge.")
        }
        return try await next(request, context)
    }
}

/// The sign-in page: its own double-submit token, since no session exists yet.
struct LoginPage: Page {
    static let template = "login"
    let loginCSRF: String
    let error: String?
}

struct LoginForm: Decodable {
    var username: String?
    var password: String?
    var csrf: String?

    enum CodingKeys: String, CodingKey {
        case username, password
        case csrf = "_csrf"
    }
}

/// The one member of every form the CSRF check reads.
struct CSRFField: Decodable {
    var csrf: String?

    enum CodingKeys: String, CodingKey { case csrf = "_csrf" }
}
