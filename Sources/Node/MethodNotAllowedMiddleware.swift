import Hummingbird

/// Answers a request for a path the node serves, but with a method it does not serve there, with
/// `405 Method Not Allowed` and the methods it does (`Allow`), rather than a 404 that says the path is not there.
///
/// Added to the router after every route, so it sits only in front of the router's not-found answer.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    /// Each route's path, by segment (`nil` for a parameter), with the methods it is served with.
    let routes: [(segments: [Substring?], methods: Set<String>)]

    init(routes: [Router<NodeRequestContext>.RouteDescription]) {
        var methods: [String: (segments: [Substring?], methods: Set<String>)] = [:]
        for route in routes {
            let segments = route.path.description.split(separator: "/").map { $0.hasPrefix(":") || $0 == "*" ? nil : $0 }
            let key = segments.map { $0.map(String.init) ?? ":" }.joined(separator: "/")
            methods[key, default: (segments, [])].methods.insert(route.method.rawValue)
        }
        self.routes = Array(methods.values)
    }

    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path.split(separator: "/")
        let allowed = routes.filter { route in
            route.segments.count == path.count && zip(route.segments, path).allSatisfy { $0.0 == nil || $0.0 == $0.1 }
        }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { return try await next(request, context) }
        var response = APIError(
            .methodNotAllowed,
            "method_not_allowed",
            "\(request.uri.path) answers \(allowed.sorted().joined(separator: ", ")), not \(request.method.rawValue)"
        ).response
        response.headers[.allow] = allowed.sorted().joined(separator: ", ")
        return response
    }
}
