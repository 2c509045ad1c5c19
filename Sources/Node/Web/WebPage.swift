import EntenteProtocol
import Federation
import Foundation
import Hummingbird
import Storage
import WebInterface

/// The web interface as every page sees it: the templates, whose node this is and the navigation bar.
struct Site: Sendable {
    let pages: Pages
    let identity: LocalIdentity
    let navigation: [NavigationEntry]
}

/// What renders pages: a feature's web routes, and the sign-in pages. The helpers below are the one way
/// a page is framed (layout values, headers), refused and redirected.
protocol WebPage {
    var site: Site { get }
}

extension WebPage {
    var pages: Pages { site.pages }

    /// The most a form body may hold.
    static var formLimit: Int { 256 * 1024 }

    /// The most any form may hold, a pasted MISP event being the largest; each handler bounds its own form.
    static var largestFormLimit: Int { 8 << 20 }

    /// The values the layout needs: the node, the signed-in person and the navigation, the key-alert banner.
    func base(_ context: NodeRequestContext?) -> [String: Any] {
        var values: [String: Any] = ["node": ["name": site.identity.name, "id": site.identity.id.rawValue]]
        if case .user(let user, let session, _) = context?.principal {
            values["user"] = ["displayName": user.displayName, "roleTitle": user.role.title, "csrf": session.csrfToken]
            values["navigation"] = site.navigation.map { ["title": $0.title, "path": $0.path] }
        }
        if let count = context?.keyAlertCount, count > 0 { values["keyAlerts"] = count }
        return values
    }

    func csrf(_ context: NodeRequestContext) -> String {
        if case .user(_, let session, _) = context.principal { return session.csrfToken }
        return ""
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

    /// A page of the features that list what the record holds beside the forms that add to it.
    func page(_ name: String, _ context: NodeRequestContext, _ values: [String: Any], error: String?, status: HTTPResponse.Status) -> Response {
        html(
            pages.render(
                name,
                base(context).merging(
                    values.merging([
                        "csrf": csrf(context), "canWrite": context.principal?.role.canWrite ?? false, "error": present(error),
                    ]) { $1 }
                ) { $1 }
            ),
            status: status
        )
    }

    func redirect(_ location: String) -> Response { Response(status: .seeOther, headers: [.location: location]) }

    func display(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// A wire timestamp (RFC 3339) as `display` shows a date; text that is not one is shown as it is.
    func displayWire(_ timestamp: String) -> String {
        Timestamp.milliseconds(timestamp).map { display(Date(unixMilliseconds: $0)) } ?? timestamp
    }

    /// The signed-in person, as who took a signed step.
    func person(_ context: NodeRequestContext) -> Person {
        Person(name: context.principal?.name ?? "operator", role: context.principal?.role.rawValue ?? "operator")
    }

    /// A UUIDv7 path parameter; anything else is a page not found.
    func recordID(_ context: NodeRequestContext, _ parameter: String) throws -> String {
        guard let id = context.parameters.get(parameter), UUIDv7.isValid(id) else {
            throw WebError(status: .notFound, heading: "Not found", message: "That is not a \(parameter) id.")
        }
        return id
    }

    func tlpOptions(selected: TLP) -> [[String: Any]] {
        TLP.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == selected] }
    }

    /// The CSS class of a TLP label (`amber+strict` is `amber-strict`).
    func tlpClass(_ tlp: TLP) -> String { tlp.rawValue.replacingOccurrences(of: "+", with: "-") }

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

/// An `application/x-www-form-urlencoded` body.
struct Form {
    let pairs: [(String, String)]

    init(_ request: Request, limit: Int) async throws {
        self.init(try await request.collectBody(limit: limit))
    }

    init(_ buffer: ByteBuffer) {
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

func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }

/// A form value as one of a vocabulary's words, or an error naming what was expected.
func parse<T: RawRepresentable>(_ type: T.Type, _ text: String, _ what: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: text) else { throw ServiceFailure.invalid("“\(text)” is not a valid \(what)") }
    return value
}

/// Mustache sees a missing value as false; a Swift `nil` boxed in `Any` would print as "nil".
func present(_ value: Any?) -> Any { value ?? false }

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
