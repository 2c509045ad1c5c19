import Crypto
import EntenteProtocol
import Foundation
import Storage
import Testing

@testable import Node

@Suite("Operator API, operations and web sessions", .serialized)
struct APITests {
    @Test func theOpenAPIDocumentDescribesEveryNonWebRoute() async throws {
        let federation = try await TestFederation.start(["EST"])
        defer { Task { await federation.stop() } }
        let node = federation["EST"]
        let served = try #require(try await http(.GET, node.url + "/openapi.json").json)
        #expect(served["openapi"]?.stringValue == "3.1.0")
        let documented = Set(
            (served["paths"]?.objectValue ?? [:]).flatMap { path, operations in
                (operations.objectValue ?? [:]).keys.map { "\($0.uppercased()) \(path)" }
            }
        )
        let router = try await node.server.assemble().router
        let prefixes = ["/api/", "/federation/", "/.well-known/", "/health", "/metrics", "/openapi.json"]
        let routes = Set(
            router.routes.map { route -> String in
                let path =
                    "/"
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                        separator: "/"
                    )
                return "\(route.method.rawValue) \(path)"
            }.filter { route in prefixes.contains { route.split(separator: " ")[1].hasPrefix($0) } }
        )
        #expect(routes == documented, "undocumented: \(routes.subtracting(documented)); documented but not served: \(documented.subtracting(routes))")
    }

    /// The CLI's client is generated from the document and committed; a document changed without running
    /// scripts/generate-api would leave the CLI speaking an older contract than the node serves.
    @Test func theGeneratedClientIsGeneratedFromThisDocument() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let document = try Data(contentsOf: sources.appendingPathComponent("Node/openapi.json"))
        let recorded = try String(contentsOf: sources.appendingPathComponent("NodeAPI/Generated/openapi.sha256"), encoding: .utf8)
        let digest = SHA256.hash(data: document).map { String(format: "%02x", $0) }.joined()
        #expect(recorded.trimmingCharacters(in: .whitespacesAndNewlines) == digest, "run scripts/generate-api")
    }

    /// A misspelt option must not silently do nothing: a member the operation does not know, at any depth,
    /// or a null where the document says to leave a member out, is refused with its path, and nothing is sent.
    @Test func aMisspeltOrNullMemberIsRefusedByName() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let node = federation["EST"]
        let auth = [("Authorization", "Bearer \(node.operatorToken)"), ("Content-Type", "application/json")]
        let message = #""to":["LVA"],"template":"free-text","priority":"routine","subject":"Test""#
        let attachment = #"{"name":"a.pcap","sha256":"\#(String(repeating: "a", count: 64))","size":1,"mediaType":"application/vnd.tcpdump.pcap""#
        for (body, named) in [
            ("{\(message),\"exercize\":true}", "exercize"),
            ("{\(message),\"attachments\":[\(attachment)},\(attachment),\"sha265\":\"x\"}]}", "attachments[1].sha265"),
            ("{\(message),\"caseReference\":null}", "caseReference"),
        ] {
            let refused = try await http(.POST, node.url + "/api/v1/messages", body: body, headers: auth)
            #expect(refused.status == 400 && refused.json?["error"]?.stringValue == "invalid_request", "\(body)")
            #expect(refused.json?["message"]?.stringValue?.contains("member \(named)") == true, "\(refused.body)")
        }
        #expect(try await node.server.store.envelopeCount() == 0)
        let sent = try await http(.POST, node.url + "/api/v1/messages", body: "{\(message),\"attachments\":[\(attachment)}]}", headers: auth)
        #expect(sent.status == 201, "\(sent.body)")
    }

    @Test func theAPIRequiresTheOperatorTokenAndValidatesInput() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let node = federation["EST"]
        let auth = [("Authorization", "Bearer \(node.operatorToken)"), ("Content-Type", "application/json")]

        let anonymous = try await http(.GET, node.url + "/api/v1/messages")
        #expect(anonymous.status == 401 && anonymous.json?["error"]?.stringValue == "unauthorized")
        #expect(try await http(.GET, node.url + "/api/v1/messages", headers: [("Authorization", "Bearer wrong")]).status == 401)
        #expect(anonymous.headers["X-Request-Id"].first.map(UUIDv7.isValid) == true)

        let badJSON = try await http(.POST, node.url + "/api/v1/messages", body: "{", headers: auth)
        #expect(badJSON.status == 400 && badJSON.json?["error"]?.stringValue == "invalid_request")
        let unknownPeer = try await http(
            .POST,
            node.url + "/api/v1/messages",
            body: #"{"to":["FIN"],"template":"free-text","priority":"routine","subject":"x"}"#,
            headers: auth
        )
        #expect(unknownPeer.status == 422 && unknownPeer.json?["message"]?.stringValue?.contains("FIN") == true)
        let missingField = try await http(
            .POST,
            node.url + "/api/v1/messages",
            body: #"{"to":["LVA"],"template":"notification","priority":"urgent","subject":"x"}"#,
            headers: auth
        )
        #expect(missingField.status == 422 && missingField.json?["message"]?.stringValue?.contains("incidentType") == true)
        // The operator administers the node and speaks for nobody: a flash notification to another state is the diplomatic POC's.
        let flash = try await http(
            .POST,
            node.url + "/api/v1/messages",
            body: #"{"to":["LVA"],"template":"free-text","priority":"flash","subject":"x"}"#,
            headers: auth
        )
        #expect(flash.status == 403 && flash.json?["error"]?.stringValue == "forbidden", "\(flash.body)")
        let huge = try await http(
            .POST,
            node.url + "/api/v1/messages",
            body: String(repeating: "x", count: HotlineAPIRoutes.bodyLimit + 1),
            headers: auth
        )
        #expect(huge.status == 413 && huge.json?["error"]?.stringValue == "too_large")
        #expect(try await node.server.store.envelopeCount() == 0)

        let sent = try await http(
            .POST,
            node.url + "/api/v1/messages",
            body: #"{"to":["LVA"],"template":"free-text","priority":"routine","subject":"Hello","tlp":"green"}"#,
            headers: auth
        )
        #expect(sent.status == 201)
        let id = try #require(sent.json?["id"]?.stringValue)
        let latvia = federation["LVA"]
        try await eventually("delivered") { try await latvia.server.store.message(id) != nil }
        let inbox = try await http(.GET, latvia.url + "/api/v1/messages?box=inbox", headers: [("Authorization", "Bearer \(latvia.operatorToken)")])
        let first = try #require(inbox.json?.arrayValue?.first)
        for member in ["id", "from", "subject", "priority", "receivedAt", "acknowledged"] {
            #expect(first[member] != nil, "inbox entries carry \(member)")
        }

        let health = try await http(.GET, node.url + "/health")
        #expect(health.status == 200 && health.json?["status"]?.stringValue == "ok")
        let descriptor = try await http(.GET, node.url + "/.well-known/entente")
        #expect(try NodeDescriptor(verifying: #require(descriptor.json)).id == node.id)
    }

    @Test func webSignInUsesCSRFAndRoles() async throws {
        let federation = try await TestFederation.start(["EST"])
        defer { Task { await federation.stop() } }
        let node = federation["EST"]
        let hasher = node.options.passwordHasher
        try await node.server.store.createUser(
            UserRecord(username: "kadri", displayName: "Kadri Tamm", role: .diplomaticPOC, passwordHash: try hasher.hash("correct horse battery")),
            now: Date()
        )
        try await node.server.store.createUser(
            UserRecord(username: "olga", displayName: "Olga Observer", role: .observer, passwordHash: try hasher.hash("observer password 1")),
            now: Date()
        )

        func signIn(_ username: String, _ password: String) async throws -> (status: Int, cookie: String?) {
            try await Self.signIn(node, username, password)
        }

        #expect(try await signIn("kadri", "wrong password!!").status == 401)
        let forged = try await http(
            .POST,
            node.url + "/login",
            body: "_csrf=x&username=kadri&password=correct+horse+battery",
            headers: [("Content-Type", "application/x-www-form-urlencoded")]
        )
        #expect(forged.status == 403)

        let kadri = try await signIn("kadri", "correct horse battery")
        #expect(kadri.status == 303)
        let cookie = try #require(kadri.cookie)
        let inbox = try await http(.GET, node.url + "/inbox", headers: [("Cookie", cookie)])
        #expect(inbox.status == 200 && inbox.body.contains("Kadri Tamm"))
        #expect(inbox.headers["Content-Security-Policy"].first?.contains("default-src 'none'") == true)

        let noToken = try await http(
            .POST,
            node.url + "/checks",
            body: "",
            headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")]
        )
        #expect(noToken.status == 403 && noToken.body.contains("security token"))

        let olga = try #require(try await signIn("olga", "observer password 1").cookie)
        let page = try await http(.GET, node.url + "/checks", headers: [("Cookie", olga)])
        let csrf = try #require(page.body.range(of: #"name="_csrf" value=""#).map { page.body[$0.upperBound...].prefix { $0 != "\"" } })
        let refused = try await http(
            .POST,
            node.url + "/checks",
            body: "_csrf=\(csrf)",
            headers: [("Cookie", olga), ("Content-Type", "application/x-www-form-urlencoded")]
        )
        #expect(refused.status == 403 && refused.body.contains("Read-only"))

        // The policy holds on every form of every feature, not only where a handler remembered it.
        let webPosts = try await node.server.assemble().router.routes.filter { route in
            let path = "/" + route.path.description.split(separator: "/").joined(separator: "/")
            return route.method == .post && !["/api/", "/federation/", "/taxii2", "/tlog/", "/login"].contains { path.hasPrefix($0) }
        }
        #expect(webPosts.count > 10)
        let anyID = UUIDv7.string(UUIDv7.generate())
        for route in webPosts {
            let path = "/" + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? anyID : String($0) }.joined(separator: "/")
            let form = [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")]
            let forged = try await http(.POST, node.url + path, body: "_csrf=forged", headers: form)
            #expect(forged.status == 403 && forged.body.contains("security token"), "\(path) without the session's token")
            guard path != "/logout" else { continue }
            let observed = try await http(.POST, node.url + path, body: "_csrf=\(csrf)", headers: [("Cookie", olga), form[1]])
            #expect(observed.status == 403 && observed.body.contains("Read-only"), "\(path) by an observer")
        }

        #expect(try await http(.GET, node.url + "/inbox").status == 303)

        // A refused key change is shown on every page, not only in the directory.
        try await node.server.store.raiseKeyAlert(peer: "LVA", offeredFingerprint: "1", detail: "keys changed without rotation", at: Date())
        let alerted = try await http(.GET, node.url + "/sent", headers: [("Cookie", cookie)])
        #expect(alerted.body.contains("Key change refused"))
        #expect(alerted.body.contains(#"http-equiv="refresh""#))
    }

    /// Signs in through the login form, as a browser would; the session cookie if it worked.
    static func signIn(_ node: TestNode, _ username: String, _ password: String) async throws -> (status: Int, cookie: String?) {
        let page = try await http(.GET, node.url + "/login")
        let loginCookie = try #require(page.headers["Set-Cookie"].first { $0.hasPrefix("entente_login_EST=") })
        #expect(loginCookie.contains("HttpOnly") && loginCookie.contains("SameSite=Strict"))
        let token = String(loginCookie.dropFirst("entente_login_EST=".count).prefix { $0 != ";" })
        let form = "_csrf=\(token)&username=\(username)&password=\(password.replacingOccurrences(of: " ", with: "+"))"
        let response = try await http(
            .POST,
            node.url + "/login",
            body: form,
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "entente_login_EST=\(token)"),
            ]
        )
        let session = response.headers["Set-Cookie"].first { $0.hasPrefix("entente_session_EST=") }
        return (response.status, session.map { String($0.prefix { $0 != ";" }) })
    }

    /// A refused form comes back with everything the person typed, and the reason.
    @Test func aRefusedComposeFormKeepsWhatWasTyped() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let node = federation["EST"]
        try await node.server.store.createUser(
            UserRecord(
                username: "kadri",
                displayName: "Kadri Tamm",
                role: .diplomaticPOC,
                passwordHash: try node.options.passwordHasher.hash("correct horse battery")
            ),
            now: Date()
        )
        let cookie = try #require(try await Self.signIn(node, "kadri", "correct horse battery").cookie)
        let page = try await http(.GET, node.url + "/compose?template=notification", headers: [("Cookie", cookie)])
        let csrf = try #require(page.body.range(of: #"name="_csrf" value=""#).map { page.body[$0.upperBound...].prefix { $0 != "\"" } })
        // A notification without its required type of incident.
        let form = [
            "_csrf=\(csrf)", "template=notification", "priority=flash", "tlp=amber%2Bstrict", "to%5B%5D=LVA", "subject=Grid+operator+down",
            "body=Substations+offline+since+02%3A10.", "language=en", "fields%5Bimpact%5D=SCADA", "exercise=1",
        ].joined(separator: "&")
        let refused = try await http(
            .POST,
            node.url + "/compose",
            body: form,
            headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")]
        )
        #expect(refused.status == 422)
        #expect(refused.body.contains(#"value="Grid operator down""#))
        #expect(refused.body.contains("Substations offline since 02:10.</textarea>"))
        #expect(refused.body.contains(#"<option value="flash" selected>"#))
        #expect(refused.body.contains(#"<option value="amber+strict" selected>"#))
        #expect(refused.body.contains(#"value="LVA" checked"#))
        #expect(refused.body.contains(#"value="SCADA""#))
        #expect(refused.body.contains(#"value="1" checked"#))
        #expect(try await node.server.store.messages(direction: .outgoing).isEmpty, "nothing was sent")
    }

    /// A refused step on a case page opens its form again, with what was written in it.
    @Test func aRefusedCaseStepKeepsWhatWasWritten() async throws {
        let federation = try await TestFederation.start(["EST"])
        defer { Task { await federation.stop() } }
        let node = federation["EST"]
        try await node.server.store.createUser(
            UserRecord(
                username: "kadri",
                displayName: "Kadri Tamm",
                role: .diplomaticPOC,
                passwordHash: try node.options.passwordHasher.hash("correct horse battery")
            ),
            now: Date()
        )
        let opened = try await http(
            .POST,
            node.url + "/api/v1/cases",
            body: #"{"title":"Grid","summary":"Substations offline.","sectors":["energy"],"impact":"severe"}"#,
            headers: [("Authorization", "Bearer \(node.operatorToken)"), ("Content-Type", "application/json")]
        )
        let caseID = try #require(opened.json?["id"]?.stringValue)
        let cookie = try #require(try await Self.signIn(node, "kadri", "correct horse battery").cookie)
        let page = try await http(.GET, node.url + "/cases/\(caseID)", headers: [("Cookie", cookie)])
        #expect(!page.body.contains("<details class=\"card\" open>"))
        let csrf = try #require(page.body.range(of: #"name="_csrf" value=""#).map { page.body[$0.upperBound...].prefix { $0 != "\"" } })
        // Evidence with neither an indicator nor a file is refused.
        let refused = try await http(
            .POST,
            node.url + "/cases/\(caseID)/events",
            body: "_csrf=\(csrf)&kind=evidence&description=Loader+seen+on+three+substations&tlp=amber",
            headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")]
        )
        #expect(refused.status == 422 && refused.body.contains("at least one file or indicator"))
        #expect(refused.body.contains(#"value="Loader seen on three substations""#))
        #expect(refused.body.contains(#"<details class="card" open><summary>Share evidence"#))
    }

    @Test func passwordsAreHashedWithScrypt() throws {
        let hasher = PasswordHasher(cost: 1 << 10)
        let stored = try hasher.hash("correct horse battery")
        #expect(stored.hasPrefix("scrypt$1024$8$1$"))
        #expect(PasswordHasher.verify("correct horse battery", against: stored))
        #expect(!PasswordHasher.verify("correct horse batterY", against: stored))
        #expect(!PasswordHasher.verify("anything", against: "plain"))
        #expect(try hasher.hash("same") != hasher.hash("same"))
    }
}
