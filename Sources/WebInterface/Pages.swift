import Foundation
import Mustache

/// The web interface's server-rendered pages: Mustache templates shipped as
/// resources (each feature's from its `Pages` folder), all sharing `layout.mustache` by template inheritance. Values are
/// HTML-escaped by Mustache, so nothing a peer sends can inject markup.
public struct Pages: Sendable {
    let library: MustacheLibrary

    /// Every feature's templates, shipped flat in this module's bundle and named by file (`drills.mustache` is `drills`).
    public static func load() async throws -> Pages {
        let bundle = Bundle.module.resourceURL
        let files = (bundle.flatMap { try? FileManager.default.contentsOfDirectory(at: $0, includingPropertiesForKeys: nil) } ?? [])
            .filter { $0.pathExtension == "mustache" }
        guard !files.isEmpty else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "web templates are missing from the bundle"])
        }
        var library = MustacheLibrary()
        for file in files {
            try library.register(try String(contentsOf: file, encoding: .utf8), named: file.deletingPathExtension().lastPathComponent)
        }
        return Pages(library: library)
    }

    /// Renders `page` with `context`; a missing template is a programming error caught by the tests.
    public func render(_ page: String, _ context: [String: Any]) -> String {
        guard let html = library.render(context, withTemplate: page) else {
            preconditionFailure("no template named \(page)")
        }
        return html
    }
}
