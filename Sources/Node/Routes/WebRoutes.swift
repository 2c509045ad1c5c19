import EntenteProtocol
import Federation
import Foundation
import Hotline
import Hummingbird
import Storage
import WebInterface

/// The Points of Contact's web interface: server-rendered HTML, plain forms, no JavaScript.
///
/// Sessions are random tokens in an HttpOnly, SameSite=Strict cookie, stored
/// hashed; every form carries the session's CSRF token, and the login form a
/// double-submit token of its own.
struct WebRoutes {
    init(
        service: HotlineService,
        cases: CaseService,
        records: RecordService,
        drills: DrillService,
        intelligence: IntelligenceService,
        pages: Pages,
        limiter: RateLimiter,
        secureCookies: Bool,
        passwordHasher: PasswordHasher
    ) throws {
        self.service = service
        self.cases = cases
        self.records = records
        self.drills = drills
        self.intelligence = intelligence
        self.pages = pages
        self.limiter = limiter
        self.secureCookies = secureCookies
        unknownUserHash = try passwordHasher.hash(Secret.generate())
    }

    let service: HotlineService
    let cases: CaseService
    let records: RecordService
    let drills: DrillService
    let intelligence: IntelligenceService
    let pages: Pages
    let limiter: RateLimiter
    let secureCookies: Bool
    let loginLimiter = RateLimiter(.init(rate: 10.0 / 60, burst: 10))
    let unknownUserHash: String
    /// Cookies are scoped by host, not port: nodes side by side on one host (the demo)
    /// would overwrite each other's sessions if their cookies shared a name.
    var sessionCookie: String { "entente_session_" + service.identity.id.rawValue }
    var loginCookie: String { "entente_login_" + service.identity.id.rawValue }
    static let sessionLifetime: TimeInterval = 12 * 3600
    static let formLimit = 256 * 1024

    func register(on router: Router<NodeRequestContext>) {
        router.get("/") { request, _ in
            Response(status: .seeOther, headers: [.location: request.cookies[sessionCookie] == nil ? "/login" : "/inbox"])
        }
        router.get("login") { _, _ in self.loginPage(error: nil) }
        router.post("login") { request, context in try await self.login(request, context) }

        let web = router.group().add(middleware: SessionMiddleware(store: service.store, limiter: limiter, pages: self))
        web.post("logout") { request, context in try await self.logout(request, context) }
        web.get("inbox") { _, context in try await self.messageList(.incoming, context) }
        web.get("sent") { _, context in try await self.messageList(.outgoing, context) }
        web.get("compose") { request, context in try await self.composePage(request, context) }
        web.post("compose") { request, context in try await self.compose(request, context) }
        web.get("messages/:id") { _, context in try await self.thread(context) }
        web.post("messages/:id/acknowledge") { request, context in try await self.acknowledge(request, context) }
        web.get("directory") { _, context in try await self.directory(context) }
        web.get("checks") { _, context in try await self.checks(context, notice: nil) }
        web.post("checks") { request, context in try await self.sendChecks(request, context) }
        registerCases(on: web)
        registerRecord(on: web)
        registerIntelligence(on: web)
    }

    // MARK: Sign in and out

    func loginPage(error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = Secret.generate()
        var response = html(pages.render("login", base(nil).merging(["loginCSRF": token, "error": present(error)]) { $1 }), status: status)
        response.setCookie(cookie(loginCookie, token, maxAge: 3600))
        return response
    }

    func login(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        if let wait = await loginLimiter.admit("login:" + context.clientAddress) {
            return loginPage(error: "Too many sign-in attempts. Try again in \(Int(wait.rounded(.up))) seconds.", status: .tooManyRequests)
        }
        let form = try await Form(request, limit: 8 * 1024)
        guard let expected = request.cookies[loginCookie]?.value, let submitted = form["_csrf"],
            constantTimeEquals(Array(expected.utf8), Array(submitted.utf8))
        else { return loginPage(error: "Your sign-in form expired. Please try again.", status: .forbidden) }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        let user = try await service.store.user(username)
        // Hash even for unknown names, so the response time does not tell which accounts exist.
        let verified = try await PasswordHasher.verifyOffThePool(password, against: user?.passwordHash ?? unknownUserHash)
        guard let user, verified else { return loginPage(error: "Unknown username or wrong password.", status: .unauthorized) }
        let token = Secret.generate()
        let now = Date()
        try await service.store.createSession(
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
        try await service.store.deleteSession(tokenHash: tokenHash)
        var response = redirect("/login")
        response.setCookie(cookie(sessionCookie, "", maxAge: 0))
        return response
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    // MARK: Messages

    func messageList(_ direction: Direction, _ context: NodeRequestContext) async throws -> Response {
        let now = Date()
        let role = context.principal?.role ?? .observer
        let messages = try await service.store.messages(direction: direction, limit: 500).map { $0.readable(by: role) }
        let groups = Priority.allCases.reversed().compactMap { priority -> [String: Any]? in
            let inGroup = messages.filter { $0.content.priority == priority }
            guard !inGroup.isEmpty else { return nil }
            return [
                "priority": priority.rawValue, "priorityTitle": priority.rawValue.uppercased(), "count": inGroup.count,
                "counterpartLabel": direction == .incoming ? "From" : "To", "timeLabel": direction == .incoming ? "Received" : "Sent",
                "messages": inGroup.map { summary($0, now: now) },
            ]
        }
        let overdue = messages.filter { $0.acknowledgementState(now: now) == .overdue }.count
        return html(
            pages.render(
                "messages",
                base(context).merging([
                    "heading": direction == .incoming ? "Inbox" : "Sent messages", "groups": groups, "overdueCount": overdue == 0 ? false : overdue,
                    "refreshSeconds": 30,
                ]) { $1 }
            )
        )
    }

    func summary(_ message: StoredMessage, now: Date) -> [String: Any] {
        let state = message.acknowledgementState(now: now)
        var values = common(message, state: state)
        values["counterpart"] = message.direction == .incoming ? message.sender : message.recipients.joined(separator: ", ")
        values["time"] = display(message.direction == .incoming ? message.receivedAt : message.sentAt)
        if message.direction == .outgoing {
            let delivered = message.deliveries.filter { $0.deliveredAt != nil }.count
            let acknowledged = message.deliveries.filter { $0.acknowledgedAt != nil }.count
            values["deliverySummary"] = "receipts \(delivered)/\(message.deliveries.count), acknowledged \(acknowledged)/\(message.deliveries.count)"
        }
        return values
    }

    func common(_ message: StoredMessage, state: AcknowledgementState) -> [String: Any] {
        [
            "id": message.id, "subject": message.content.subject, "priority": message.content.priority.rawValue,
            "priorityTitle": message.content.priority.rawValue.uppercased(), "templateTitle": message.content.template.title,
            "exercise": message.exercise, "tlpLabel": message.tlp.label, "tlpClass": message.tlp.rawValue.replacingOccurrences(of: "+", with: "-"),
            "acknowledgeBy": display(message.acknowledgeBy), "state": state.rawValue, "stateTitle": state.rawValue.capitalized,
        ]
    }

    func thread(_ context: NodeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id"), UUIDv7.isValid(id) else { return errorPage(context, .notFound, "No such message", "") }
        let role = context.principal?.role ?? .observer
        let messages = try await service.store.thread(of: id).map { $0.readable(by: role) }
        guard let focus = messages.first(where: { $0.id == id }) else {
            return errorPage(context, .notFound, "No such message", "There is no message \(id) on this node.")
        }
        let now = Date()
        let canWrite = context.principal?.role.canWrite ?? false
        let items = messages.map { message -> [String: Any] in
            let state = message.acknowledgementState(now: now)
            var values = common(message, state: state)
            let labels = Dictionary(uniqueKeysWithValues: message.content.template.fields.map { ($0.name, $0.label) })
            let fields = message.content.fields.sorted { $0.key < $1.key }.map { ["label": labels[$0.key] ?? $0.key, "value": $0.value] }
            values.merge([
                "from": message.sender, "to": message.recipients.joined(separator: ", "), "sentAt": display(message.sentAt),
                "receivedAt": display(message.receivedAt), "language": message.content.language, "body": message.content.body,
                "caseReference": present(message.content.caseReference), "hasFields": !fields.isEmpty, "fields": fields,
                "hasAttachments": !message.content.attachments.isEmpty, "hasDeliveries": !message.deliveries.isEmpty,
                "attachments": message.content.attachments.map {
                    ["name": $0.name, "size": $0.size, "mediaType": $0.mediaType, "sha256": $0.sha256]
                },
                "acknowledgedAt": present(message.acknowledgedAt.map(display)), "acknowledgedBy": present(message.acknowledgedBy),
                "deliveries": message.deliveries.map { delivery -> [String: Any] in
                    [
                        "recipient": delivery.recipient, "deliveredAt": present(delivery.deliveredAt.map(display)),
                        "acknowledgedAt": present(delivery.acknowledgedAt.map(display)), "acknowledgedBy": present(delivery.acknowledgedBy),
                    ]
                },
                "canAcknowledge": canWrite && !message.isWithheld && message.direction == .incoming && message.acknowledgedAt == nil,
                "canReply": canWrite && !message.isWithheld && message.direction == .incoming,
                "withheld": message.isWithheld,
                "csrf": csrf(context),
            ]) { $1 }
            return values
        }
        return html(pages.render("thread", base(context).merging(["subject": focus.content.subject, "messages": items]) { $1 }))
    }

    func acknowledge(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        try requireWrite(form, context)
        guard let id = context.parameters.get("id"), UUIDv7.isValid(id) else { return errorPage(context, .notFound, "No such message", "") }
        guard let principal = context.principal else { return redirect("/login") }
        do {
            try await service.acknowledge(id, by: principal.name, role: principal.role.rawValue)
        } catch let failure as ServiceFailure {
            return errorPage(context, .conflict, "Could not acknowledge", failure.description)
        }
        return redirect("/messages/\(id)")
    }

    func composePage(
        _ request: Request,
        _ context: NodeRequestContext,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let query = request.uri.queryParameters
        let replyTo = query.get("replyTo").flatMap { UUIDv7.isValid($0) ? $0 : nil }
        let original = try await replyTo.asyncMap { try await service.store.message($0) } ?? nil
        let template = query.get("template").flatMap(Template.init(rawValue:)) ?? (original == nil ? .notification : .response)
        let peers = await service.peers.all()
        let policy = service.identity.acknowledgementPolicy
        let templates = Template.allCases.filter { $0 != .communicationCheck }
        return html(
            pages.render(
                "compose",
                base(context).merging([
                    "template": template.rawValue, "templateTitle": template.title,
                    "templates": templates.enumerated().map { index, candidate in
                        [
                            "value": candidate.rawValue, "title": candidate.title, "selected": candidate == template,
                            "last": index == templates.count - 1, "replyTo": present(replyTo),
                        ]
                    },
                    "replyTo": present(replyTo), "replySubject": present(original?.content.subject), "replyToExercise": original?.exercise ?? false,
                    "subject": original.map { "Re: " + $0.content.subject } ?? "",
                    "peers": peers.map {
                        ["id": $0.record.id.rawValue, "name": $0.record.name, "checked": original?.sender == $0.record.id.rawValue]
                    },
                    "priorities": Priority.allCases.map { priority in
                        [
                            "value": priority.rawValue, "title": priority.rawValue.capitalized,
                            "selected": priority == (original?.content.priority ?? .routine),
                            "deadline": describe(policy.deadline(for: priority)),
                        ]
                    },
                    "tlps": TLP.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == (original?.tlp ?? .amber)] },
                    "fields": template.fields.map {
                        ["name": $0.name, "label": $0.label, "required": $0.required, "choices": $0.choices ?? [], "hasChoices": $0.choices != nil]
                    },
                    "csrf": csrf(context), "error": present(error),
                ]) { $1 }
            ),
            status: status
        )
    }

    func compose(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        try requireWrite(form, context)
        func retry(_ message: String) async throws -> Response {
            try await composePage(request, context, error: message, status: .unprocessableContent)
        }
        guard let template = form["template"].flatMap(Template.init(rawValue:)) else { return try await retry("Choose a template.") }
        guard let priority = form["priority"].flatMap(Priority.init(rawValue:)) else { return try await retry("Choose a priority.") }
        guard let tlp = form["tlp"].flatMap(TLP.init(rawValue:)) else { return try await retry("Choose a TLP label.") }
        let recipients = form.all("to").compactMap(ParticipantID.init)
        guard !recipients.isEmpty else { return try await retry("Choose at least one recipient.") }
        var fields: [String: String] = [:]
        for field in template.fields { fields[field.name] = form["field." + field.name] }
        let draft = HotlineService.Draft(
            to: recipients,
            template: template,
            priority: priority,
            subject: form["subject"] ?? "",
            body: form["body"] ?? "",
            language: form["language"] ?? "en",
            fields: fields,
            caseReference: form["caseReference"].flatMap { $0.isEmpty ? nil : $0 },
            inReplyTo: form["inReplyTo"].flatMap { $0.isEmpty ? nil : $0 },
            tlp: tlp,
            exercise: form["exercise"] == "1",
            answersExerciseAsReal: form["answerAsReal"] == "1"
        )
        do {
            let ids = try await service.send(draft, composedBy: context.principal?.name, role: context.principal?.role ?? .observer)
            return redirect("/messages/\(ids[0])")
        } catch let failure as ServiceFailure {
            return try await retry(failure.description)
        }
    }

    // MARK: Directory and checks

    func directory(_ context: NodeRequestContext) async throws -> Response {
        let identity = service.identity
        var participants: [[String: Any]] = [participant(identity.descriptor, isSelf: true, pinnedAt: nil)]
        for peer in await service.peers.all() {
            var values = participant(peer.descriptor, isSelf: false, pinnedAt: peer.record.pinnedAt)
            values["endpoint"] = peer.record.endpoint
            participants.append(values)
        }
        let alerts = try await service.store.keyAlerts().map { alert -> [String: Any] in
            [
                "raisedAt": display(alert.raisedAt), "peer": alert.peer, "detail": alert.detail,
                "offeredFingerprint": Fingerprint(alert.offeredFingerprint)?.description ?? alert.offeredFingerprint,
            ]
        }
        return html(
            pages.render("directory", base(context).merging(["participants": participants, "alerts": alerts, "hasAlerts": !alerts.isEmpty]) { $1 })
        )
    }

    func participant(_ descriptor: NodeDescriptor, isSelf: Bool, pinnedAt: Date?) -> [String: Any] {
        [
            "id": descriptor.id.rawValue, "name": descriptor.name, "kind": descriptor.kind.rawValue, "endpoint": descriptor.endpoint,
            "fingerprint": descriptor.keys.fingerprint.description, "isSelf": isSelf, "pinnedAt": present(pinnedAt.map(display)),
            "pointsOfContact": descriptor.pointsOfContact.map { contact -> [String: Any] in
                [
                    "role": contact.role.rawValue, "name": contact.name, "email": contact.email, "phone": present(contact.phone),
                    "languages": contact.languages.joined(separator: ", "), "timeZone": contact.timeZone,
                    "availability": contact.availability.rawValue,
                ]
            },
        ]
    }

    func checks(_ context: NodeRequestContext, notice: String?) async throws -> Response {
        let report = CheckReport(checks: try await service.store.communicationChecks(limit: 500))
        return html(
            pages.render(
                "checks",
                base(context).merging([
                    "participants": report.participants.map(row), "days": report.days.prefix(60).map(row),
                    "checks": report.checks.prefix(50).map { check -> [String: Any] in
                        [
                            "id": check.messageID, "peer": check.peer, "sentAt": display(check.sentAt), "roundTrip": describe(check.roundTrip),
                            "timeToAnswer": describe(check.timeToAnswer),
                        ]
                    },
                    "canWrite": context.principal?.role.canWrite ?? false, "csrf": csrf(context), "notice": present(notice),
                ]) { $1 }
            )
        )
    }

    func row(_ row: CheckReport.Participant) -> [String: Any] {
        [
            "peer": row.peer, "day": present(row.day), "checks": row.checks, "reached": row.reached, "answered": row.answered,
            "reachability": String(format: "%.0f%%", row.reachability * 100), "roundTrip": describe(row.medianRoundTrip),
            "timeToAnswer": describe(row.medianTimeToAnswer), "lastCheckAt": row.lastCheckAt.map(display) ?? "—",
        ]
    }

    func sendChecks(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        try requireWrite(form, context)
        do {
            let sent = try await service.sendCommunicationChecks(composedBy: context.principal?.name)
            return try await checks(context, notice: "Communication check sent to \(sent.keys.sorted().joined(separator: ", ")).")
        } catch let failure as ServiceFailure {
            return errorPage(context, .unprocessableContent, "Could not send checks", failure.description)
        }
    }

    // MARK: Helpers

    func base(_ context: NodeRequestContext?) -> [String: Any] {
        var values: [String: Any] = ["node": ["name": service.identity.name, "id": service.identity.id.rawValue]]
        if case .user(let user, let session, _) = context?.principal {
            values["user"] = ["displayName": user.displayName, "roleTitle": user.role.title, "csrf": session.csrfToken]
        }
        if let count = context?.keyAlertCount, count > 0 { values["keyAlerts"] = count }
        return values
    }

    func csrf(_ context: NodeRequestContext) -> String {
        if case .user(_, let session, _) = context.principal { return session.csrfToken }
        return ""
    }

    /// Every state-changing form must carry the session's CSRF token and come from someone allowed to write.
    func requireWrite(_ form: Form, _ context: NodeRequestContext) throws {
        guard case .user(let user, let session, _) = context.principal else { throw APIError.unauthorized }
        guard let submitted = form["_csrf"], constantTimeEquals(Array(submitted.utf8), Array(session.csrfToken.utf8)) else {
            throw WebError(
                status: .forbidden,
                heading: "Form expired",
                message: "This form's security token is missing or stale. Reload the page and try again."
            )
        }
        guard user.role.canWrite else {
            throw WebError(status: .forbidden, heading: "Read-only account", message: "Observers can read the hotline but not send or acknowledge.")
        }
    }

    func errorPage(_ context: NodeRequestContext?, _ status: HTTPResponse.Status, _ heading: String, _ message: String) -> Response {
        html(pages.render("error", base(context).merging(["heading": heading, "message": message]) { $1 }), status: status)
    }

    func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "no-referrer", .cacheControl: "no-store",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    func redirect(_ location: String) -> Response { Response(status: .seeOther, headers: [.location: location]) }

    func display(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    func describe(_ duration: Duration?) -> String {
        guard let duration else { return "—" }
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        let seconds = milliseconds / 1000
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h"
    }
}

/// A page-level refusal rendered as HTML by the session middleware.
struct WebError: Error {
    let status: HTTPResponse.Status
    let heading: String
    let message: String
}

/// Resolves the session cookie to a person; sends everyone else to the sign-in page.
struct SessionMiddleware: RouterMiddleware {
    let store: NodeStore
    let limiter: RateLimiter
    let pages: WebRoutes

    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        let now = Date()
        guard let token = request.cookies[pages.sessionCookie]?.value, !token.isEmpty else {
            return pages.redirect("/login")
        }
        let tokenHash = Secret.storageHash(token)
        guard let session = try await store.session(tokenHash: tokenHash, now: now), let user = try await store.user(session.username) else {
            return pages.redirect("/login")
        }
        var context = context
        context.principal = .user(user, session: session, tokenHash: tokenHash)
        context.keyAlertCount = Int(try await store.keyAlertCount())
        if let wait = await limiter.admit(context.principal!.rateLimitKey) {
            return pages.errorPage(context, .tooManyRequests, "Slow down", "Too many requests. Try again in \(Int(wait.rounded(.up))) seconds.")
        }
        do {
            return try await next(request, context)
        } catch let error as WebError {
            return pages.errorPage(context, error.status, error.heading, error.message)
        } catch let error as APIError {
            return pages.errorPage(context, error.status, "Request refused", error.message)
        }
    }
}

/// An `application/x-www-form-urlencoded` body.
struct Form {
    let pairs: [(String, String)]

    init(_ request: Request, limit: Int) async throws {
        let buffer = try await request.collectBody(limit: limit)
        let text = String(buffer: buffer)
        pairs = text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }

    subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
}

/// Mustache sees a missing value as false; a Swift `nil` boxed in `Any` would print as "nil".
func present(_ value: Any?) -> Any { value ?? false }

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
