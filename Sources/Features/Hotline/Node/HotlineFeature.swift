import Federation
import Hummingbird
import Storage

/// The hotline: messages on the UN's templates between Points of Contact, with receipts and
/// acknowledgement deadlines.
struct HotlineFeature: NodeFeature {
    let api: HotlineAPIRoutes
    let web: HotlineWebRoutes
    let envelopeIntakes: [any EnvelopeIntake]

    static let schema: Schema? = .hotline

    init(_ context: FeatureContext) {
        api = HotlineAPIRoutes(service: context.hotline)
        web = HotlineWebRoutes(service: context.hotline, site: context.site, languages: context.languages, translator: context.translator)
        envelopeIntakes = [HotlineMessageIntake(store: context.store), AcknowledgementIntake(store: context.store)]
    }

    static let navigation = [
        NavigationEntry(title: "Inbox", path: "/inbox"), NavigationEntry(title: "Sent", path: "/sent"),
        NavigationEntry(title: "Compose", path: "/compose"),
    ]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
