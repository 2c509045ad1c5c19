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

    /// Renders `page` with its template inside `frame`; a missing template is a programming error caught by the tests.
    public func render<P: Page>(_ page: P, in frame: Frame) -> String {
        guard let html = library.render(Framed(page: page, frame: frame), withTemplate: P.template) else {
            preconditionFailure("no template named \(P.template)")
        }
        return html
    }
}

/// A value a template shows: a struct whose stored properties are the names the template uses. It is
/// `Encodable` so a test can read a page's values as JSON without parsing HTML.
///
/// An absent optional renders as nothing and ends the search for its name there: without that, Mustache
/// would look the name up in the enclosing values, and an empty `error` of a list item could show the page's.
public protocol PageModel: Encodable, MustacheParent {}

extension PageModel {
    public func child(named name: String) -> Any? {
        guard let value = Mirror(reflecting: self).children.first(where: { $0.label == name })?.value else { return nil }
        let optional = Mirror(reflecting: value)
        guard optional.displayStyle == .optional else { return value }
        return optional.children.first?.value ?? Absent()
    }
}

/// A whole page: a model rendered with the template of that name, inside the layout.
public protocol Page: PageModel {
    static var template: String { get }
}

/// What the layout shows around every page: whose node this is, who is signed in, the navigation and the
/// key-alert banner. A template finds these names when its page does not have them.
public struct Frame: PageModel, Sendable {
    public struct Node: PageModel, Sendable {
        public let name: String
        public let id: String
    }

    public struct SignedIn: PageModel, Sendable {
        public let displayName: String
        public let roleTitle: String
    }

    public struct Link: PageModel, Sendable {
        public let title: String
        public let path: String

        public init(title: String, path: String) {
            self.title = title
            self.path = path
        }
    }

    /// The language the frame speaks: its code and direction for `<html lang dir>`, its own words, and the
    /// switch to the other languages.
    public struct InterfaceLanguage: PageModel, Sendable {
        public let code: String
        public let direction: String
        public let signOut: String
        public let switchLabel: String
        public let choices: [Link]

        public init(code: String, direction: String, signOut: String, switchLabel: String, choices: [Link]) {
            self.code = code
            self.direction = direction
            self.signOut = signOut
            self.switchLabel = switchLabel
            self.choices = choices
        }

        public static let english = InterfaceLanguage(code: "en", direction: "ltr", signOut: "Sign out", switchLabel: "Language", choices: [])
    }

    public let node: Node
    public let user: SignedIn?
    public let navigation: [Link]
    public let language: InterfaceLanguage
    /// Peers whose refused key change is waiting for the operator; nil when there is none.
    public let keyAlerts: Int?
    /// Transparency-log alerts (a proof of equivocation, a document a peer did not log); nil when there is none.
    public let logAlerts: Int?
    /// The session's token, which every form posts as `_csrf`.
    public let csrf: String
    public let canWrite: Bool

    public init(
        nodeName: String,
        nodeID: String,
        user: (displayName: String, roleTitle: String)?,
        navigation: [Link],
        language: InterfaceLanguage = .english,
        keyAlerts: Int?,
        logAlerts: Int?,
        csrf: String,
        canWrite: Bool
    ) {
        node = Node(name: nodeName, id: nodeID)
        self.user = user.map { SignedIn(displayName: $0.displayName, roleTitle: $0.roleTitle) }
        self.navigation = navigation
        self.language = language
        self.keyAlerts = keyAlerts
        self.logAlerts = logAlerts
        self.csrf = csrf
        self.canWrite = canWrite
    }
}

/// The page's names first, then the frame's.
private struct Framed: MustacheParent {
    let page: any PageModel
    let frame: Frame

    func child(named name: String) -> Any? { page.child(named: name) ?? frame.child(named: name) }
}

/// What a template sees for an absent optional: false in a section, empty text in a variable.
struct Absent: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}
