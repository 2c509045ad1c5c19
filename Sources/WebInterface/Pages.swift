import Foundation
import Mustache

/// The web interface's server-rendered pages: Mustache templates shipped as
/// resources, all sharing `layout.mustache` by template inheritance. Values are
/// HTML-escaped by Mustache, so nothing a peer sends can inject markup.
public struct Pages: Sendable {
    let library: MustacheLibrary

    public static func load() async throws -> Pages {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "web templates are missing from the bundle"])
        }
        return Pages(library: try await MustacheLibrary(directory: directory.path))
    }

    /// Renders `page` with `context`; a missing template is a programming error caught by the tests.
    public func render(_ page: String, _ context: [String: Any]) -> String {
        guard let html = library.render(context, withTemplate: page) else {
            preconditionFailure("no template named \(page)")
        }
        return html
    }
}
