import EntenteProtocol
import Federation
import Foundation
import Hummingbird
import Languages
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

    /// What the layout shows around a page for this request.
    func frame(_ context: NodeRequestContext?) -> Frame {
        var user: (displayName: String, roleTitle: String)?
        var csrf = ""
        if case .user(let person, let session, _) = context?.principal {
            user = (person.displayName, person.role.title)
            csrf = session.csrfToken
        }
        let language = context?.interfaceLanguage ?? .english
        let back = context?.pagePath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2Finbox"
        return Frame(
            nodeName: site.identity.name,
            nodeID: site.identity.id.rawValue,
            user: user,
            navigation: user == nil
                ? []
                : site.navigation.map { entry in
                    Frame.Link(
                        title: InterfaceText.navigation[entry.path].map { InterfaceText.text($0, in: language) } ?? entry.title,
                        path: entry.path
                    )
                },
            language: .init(
                code: language.code,
                direction: language.isRightToLeft ? "rtl" : "ltr",
                signOut: InterfaceText.text(.signOut, in: language),
                switchLabel: InterfaceText.text(.language, in: language),
                choices: Language.allCases.filter { $0 != language }.map {
                    Frame.Link(title: $0.endonym, path: "/language?to=\($0.code)&back=\(back)")
                }
            ),
            keyAlerts: context.flatMap { $0.keyAlertCount > 0 ? $0.keyAlertCount : nil },
            logAlerts: context.flatMap { $0.logAlertCount > 0 ? $0.logAlertCount : nil },
            csrf: csrf,
            canWrite: context?.principal?.role.canWrite ?? false
        )
    }

    /// `page` inside the layout, as an HTML response.
    func render<P: Page>(_ page: P, _ context: NodeRequestContext?, status: HTTPResponse.Status = .ok) -> Response {
        html(pages.render(page, in: frame(context)), status: status)
    }

    func errorPage(_ context: NodeRequestContext?, _ status: HTTPResponse.Status, _ heading: String, _ message: String) -> Response {
        render(ErrorPage(heading: heading, message: message), context, status: status)
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

    /// A posted form as `F`, read with Hummingbird's URL-encoded form decoder: a list is posted as `name[]`,
    /// a map as `name[KEY]`. Form models make every member optional, so a refused form can be shown again
    /// with whatever it held; a body that is no form at all is refused here.
    func form<F: Decodable>(_ type: F.Type, _ request: Request, limit: Int = Self.formLimit) async throws -> F {
        let text = String(buffer: try await request.collectBody(limit: limit))
        do { return try URLEncodedFormDecoder().decode(F.self, from: text) } catch {
            throw WebError(status: .badRequest, heading: "Unreadable form", message: "The form could not be read: \(error)")
        }
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

    func tlpOptions(selected: TLP) -> [Option] {
        TLP.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == selected) }
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

/// One option of a `<select>`, a checkbox or a radio button.
struct Option: PageModel {
    let value: String
    var label: String
    var selected = false

    init(value: String, label: String? = nil, selected: Bool = false) {
        self.value = value
        self.label = label ?? value
        self.selected = selected
    }

    /// Every word of a vocabulary, those in `selected` marked.
    static func all<T: RawRepresentable & CaseIterable>(_ type: T.Type, selected: [String] = []) -> [Option] where T.RawValue == String {
        T.allCases.map { Option(value: $0.rawValue, selected: selected.contains($0.rawValue)) }
    }
}

/// The page a refusal is shown on.
struct ErrorPage: Page {
    static let template = "error"
    let heading: String
    let message: String
}

/// A page-level refusal rendered as HTML by the session middleware.
struct WebError: Error {
    let status: HTTPResponse.Status
    let heading: String
    let message: String
}

func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }

/// A form value as one of a vocabulary's words, or an error naming what was expected.
func parse<T: RawRepresentable>(_ type: T.Type, _ text: String, _ what: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: text) else { throw ServiceFailure.invalid("“\(text)” is not a valid \(what)") }
    return value
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
