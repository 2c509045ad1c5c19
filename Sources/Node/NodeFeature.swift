import Federation
import Hummingbird
import Languages
import Storage
import WebInterface

/// One feature of a node — the hotline, cases, a kind of record, intelligence — as the node sees it.
///
/// A feature lives in its own folder, `Sources/Features/<Name>/`, and plugs in here: the node builds every
/// feature listed in `NodeFeatures.all` from one `FeatureContext` and wires each the same way, so adding a
/// feature never edits the server, the routers or the layout. Every requirement but `init` has a default
/// that adds nothing.
protocol NodeFeature: Sendable {
    /// Builds the feature over the node's shared parts.
    init(_ context: FeatureContext)

    /// The feature's tables, built and upgraded when the node opens its database.
    static var schema: Schema? { get }

    /// Entries in the web interface's navigation bar, in the order of `NodeFeatures.all`.
    static var navigation: [NavigationEntry] { get }

    /// Adds routes under `/api/v1`, behind the API's authentication.
    func addRoutes(to api: APIGroups)

    /// Adds pages to the web interface, behind sign-in.
    func addPages(to web: RouterGroup<NodeRequestContext>)

    /// Adds routes with an authentication of their own, outside `/api/v1` and the web session (TAXII).
    func addProtocolRoutes(to router: Router<NodeRequestContext>)

    /// Work the node runs on a schedule while it serves.
    var jobs: [BackgroundJob] { get }

    /// How the feature takes in its envelopes from peers, one intake per envelope type.
    var envelopeIntakes: [any EnvelopeIntake] { get }
}

extension NodeFeature {
    static var schema: Schema? { nil }
    static var navigation: [NavigationEntry] { [] }
    func addRoutes(to api: APIGroups) {}
    func addPages(to web: RouterGroup<NodeRequestContext>) {}
    func addProtocolRoutes(to router: Router<NodeRequestContext>) {}
    var jobs: [BackgroundJob] { [] }
    var envelopeIntakes: [any EnvelopeIntake] { [] }
}

/// A link in the web interface's navigation bar.
struct NavigationEntry: Sendable {
    let title: String
    let path: String
}

/// The two doors of `/api/v1`: `any` admits every authenticated caller (observers read only), `operatorOnly`
/// the node's operator token alone, for what administers the node rather than speaks through it.
struct APIGroups {
    let any: RouterGroup<NodeRequestContext>
    let operatorOnly: RouterGroup<NodeRequestContext>
}

/// Periodic work: `run` every `interval`, from one interval after the node starts. A failure is logged and
/// the job runs again at its next turn.
struct BackgroundJob: Sendable {
    let name: String
    let interval: Duration
    let run: @Sendable () async throws -> Void
}

/// What every feature is built from: the node's identity and store, its federation, the shared services
/// features build on, the web site and the node's options.
struct FeatureContext: Sendable {
    let identity: LocalIdentity
    let store: NodeStore
    let peers: PeerDirectory
    let peering: PeerService
    let hotline: HotlineService
    let cases: CaseService
    let records: RecordService
    let intelligence: IntelligenceService
    let subscriptions: SubscriptionService
    let transparencyLog: TransparencyLogService
    let site: Site
    let options: NodeServer.Options
    let operatorToken: String
    /// Per person or operator token, shared by the API, the web interface and TAXII.
    let userLimiter: RateLimiter
    /// Tells the language of free text; nil where the TextCat profiles are not installed.
    let languages: LanguageIdentifier?
    /// Machine gisting; nil where no engine is installed.
    let translator: (any Translator)?
}
