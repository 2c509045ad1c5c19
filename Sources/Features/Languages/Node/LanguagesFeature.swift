import Hummingbird
import Languages

/// The eight languages on the node: the switch every page offers, which remembers a person's choice.
struct LanguagesFeature: NodeFeature {
    let secureCookies: Bool

    init(_ context: FeatureContext) { secureCookies = context.options.tls != nil }

    func addPages(to web: RouterGroup<NodeRequestContext>) {
        web.get("language") { request, _ in try choose(request) }
    }

    /// `GET /language?to=fr&back=/inbox`: the interface in French from now on, back on the page the switch was on.
    /// Only a path of this site is gone back to, so the switch cannot send anyone elsewhere.
    func choose(_ request: Request) throws -> Response {
        let parameters = request.uri.queryParameters
        guard let language = parameters.get("to").flatMap({ Language(rawValue: String($0)) }) else {
            throw WebError(status: .badRequest, heading: "No such language", message: "Choose one of the eight languages the switch offers.")
        }
        let back = parameters.get("back").map { String($0) } ?? ""
        let local =
            back.hasPrefix("/") && !back.hasPrefix("//") && back.count <= 500
            && back.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII || "0123456789/-_.".unicodeScalars.contains($0) }
        var response = Response(status: .seeOther, headers: [.location: local ? back : "/inbox"])
        response.setCookie(
            Cookie(
                name: WebSession.languageCookie,
                value: language.code,
                maxAge: 365 * 86_400,
                path: "/",
                secure: secureCookies,
                httpOnly: true,
                sameSite: .lax
            )
        )
        return response
    }
}
