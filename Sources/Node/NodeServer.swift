import AsyncHTTPClient
import EntenteProtocol
import Federation
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Languages
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Storage
import WebInterface

/// A running Entente node: HTTP server, outbox delivery and scheduled checks,
/// over one store. `entente serve` runs one; tests and the demo run several.
public final class NodeServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 7300
        /// nil: SQLite in the data directory. `postgres://…`: PostgreSQL.
        public var databaseURL: String?
        public var retry = OutboxWorker.RetryPolicy()
        /// How often to send communication checks to every peer; nil to send none on schedule.
        public var checkInterval: Duration?
        /// How often to re-read every peer's descriptor: new endpoints and POCs are taken,
        /// key changes only with a valid rotation, otherwise an alert is raised.
        public var descriptorRefreshInterval: Duration? = .seconds(3600)
        public var passwordHasher = PasswordHasher.standard
        /// Per peer (by sender id) on the federation endpoint, charged once the sender's signature verified.
        public var peerRateLimit = RateLimiter.Limit(rate: 500, burst: 1000)
        /// Per source address on the federation endpoint, charged before anything is parsed. Several
        /// peers can share an address (loopback, NAT), hence more room than a single peer gets.
        public var sourceRateLimit = RateLimiter.Limit(rate: 2000, burst: 4000)
        /// Per person or operator token on the API and web interface.
        public var userRateLimit = RateLimiter.Limit(rate: 20, burst: 60)
        /// Set the `Secure` attribute on session cookies. On by default whenever the node's URL is https.
        public var secureCookies: Bool?
        /// Who is alerted when this node leaves a case item overdue; nil for no escalation.
        public var caseEscalation: CaseEscalationPolicy? = CaseEscalationPolicy()
        /// How often overdue case items are looked for.
        public var escalationCheckInterval: Duration = .seconds(30)
        /// How often subscribed peer collections are pulled; nil to pull only on request.
        public var subscriptionInterval: Duration? = .seconds(60)
        /// HTTPS: the certificate chain and private key, PEM files. Without them the node serves plain HTTP
        /// (behind a TLS-terminating proxy, or on loopback).
        public var tls: (certificateChain: String, privateKey: String)?
        /// PEM roots to trust, besides the system's, when this node calls peers and TAXII servers over https.
        public var trustedRoots: String?
        /// How long a client has to send a request (slowloris), and to send the next on a kept-alive connection.
        public var requestHeaderTimeout: Duration = .seconds(10)
        public var requestBodyTimeout: Duration = .seconds(120)
        public var idleTimeout: Duration = .seconds(60)
        /// The folder of TextCat language profiles (Debian: libexttextcat-data), to tell the language of free text.
        public var languageProfiles = LanguageIdentifier.debianProfiles
        /// Bytes of envelopes kept for any one peer before its envelopes are refused (`quota_exceeded`).
        public var peerStorageQuota: Int64 = 2 << 30
        /// Connections served at once; more wait in the listen backlog.
        public var maximumConnections = 1024
        /// Take a peer's key rotation signed by its pinned key without the operator confirming it.
        public var acceptsSignedRotations = false
        /// Which roles sign political acts for the state (by default the diplomatic POC only).
        public var speaking = SpeakingPolicy.standard
        /// How often due drill injects are looked for; also their worst-case lateness.
        public var drillCheckInterval: Duration = .seconds(1)
        /// How often the transparency log integrates what was appended, signs a checkpoint and asks its
        /// witnesses to cosign it.
        public var logInterval: Duration = .seconds(1)
        /// How often every peer's log is read (its checkpoint verified, its new entries hashed).
        public var logMonitorInterval: Duration = .seconds(10)
        /// How long a peer has to show a document it sent in its log before an alert is raised.
        public var logInclusionDeadline: Duration = .seconds(300)
        /// How many witnesses must cosign this node's checkpoints for them to count; nil for a majority of its peers.
        public var witnessQuorum: Int?

        public init() {}
    }

    public let directory: NodeDirectory
    public let identity: LocalIdentity
    public let store: NodeStore
    public let service: HotlineService
    /// Pinning peers and refreshing their descriptors.
    public let peering: PeerService
    public let cases: CaseService
    public let records: RecordService
    public let intelligence: IntelligenceService
    public let subscriptions: SubscriptionService
    public let transparencyLog: TransparencyLogService
    public let metrics: NodeMetrics
    let options: Options
    let logger: Logger
    let operatorToken: String
    let httpClient: HTTPClient
    /// Per person or operator token, shared by the API, the web interface and TAXII.
    let userLimiter: RateLimiter
    let languages: LanguageIdentifier?
    let translator: (any Translator)?
    let runState = RunState()

    public static func open(directory: NodeDirectory, options: Options, logger: Logger = Logger(label: "entente")) async throws -> NodeServer {
        let identity = try directory.loadIdentity()
        var logger = logger
        logger[metadataKey: "node"] = "\(identity.id)"
        let store = try await NodeStore.open(
            databaseURL: options.databaseURL,
            defaultSQLitePath: directory.sqlitePath,
            features: NodeFeatures.schemas,
            logger: logger
        )
        do {
            return try await NodeServer(directory: directory, identity: identity, store: store, options: options, logger: logger)
        } catch {
            await store.close()
            throw error
        }
    }

    private init(directory: NodeDirectory, identity: LocalIdentity, store: NodeStore, options: Options, logger: Logger) async throws {
        self.directory = directory
        self.identity = identity
        self.store = store
        self.options = options
        self.logger = logger
        self.operatorToken = try directory.operatorToken()
        let httpClient = try PeerClient.makeHTTPClient(trustedRoots: options.trustedRoots)
        self.httpClient = httpClient
        userLimiter = RateLimiter(options.userRateLimit)
        do { languages = try LanguageIdentifier.textCat(in: options.languageProfiles) } catch {
            languages = nil
            logger.warning("free text will not be marked with the language it is in: \(error.description)")
        }
        translator = await ApertiumTranslator.installed()
        if translator == nil { logger.notice("no machine gisting: Apertium is not installed (Debian: apertium, apertium-eng-spa, …)") }
        let metrics = NodeMetrics()
        self.metrics = metrics
        let peers = try await PeerDirectory(store: store, acceptsSignedRotations: options.acceptsSignedRotations)
        let client = PeerClient(http: httpClient)
        let outbox = OutboxWorker(
            store: store,
            peers: peers,
            client: client,
            retry: options.retry,
            metrics: OutboxWorker.DeliveryMetrics(factory: metrics.factory),
            logger: logger
        )
        service = HotlineService(identity: identity, store: store, peers: peers, outbox: outbox, speaking: options.speaking)
        peering = PeerService(identity: identity, store: store, peers: peers, outbox: outbox, client: client)
        cases = CaseService(identity: identity, store: store, peers: peers, outbox: outbox, speaking: options.speaking)
        records = RecordService(identity: identity, store: store, peers: peers, outbox: outbox, speaking: options.speaking)
        intelligence = IntelligenceService(identity: identity, store: store)
        subscriptions = SubscriptionService(intelligence: intelligence, http: httpClient)
        transparencyLog = TransparencyLogService(
            identity: identity,
            store: store,
            peers: peers,
            client: client,
            outbox: outbox,
            logger: logger,
            witnessQuorum: options.witnessQuorum
        )
        // Before anything new is written: what the database held from before the log, and this version of the
        // node's descriptor, go in first.
        try await transparencyLog.prepare(now: Date())
    }

    /// The node's features, built over its shared parts.
    func makeFeatures(site: Site) -> [any NodeFeature] {
        let context = FeatureContext(
            identity: identity,
            store: store,
            peers: service.peers,
            peering: peering,
            hotline: service,
            cases: cases,
            records: records,
            intelligence: intelligence,
            subscriptions: subscriptions,
            transparencyLog: transparencyLog,
            site: site,
            options: options,
            operatorToken: operatorToken,
            userLimiter: userLimiter,
            languages: languages,
            translator: translator
        )
        return NodeFeatures.all.map { $0.init(context) }
    }

    /// Every route the node serves: operations, federation, the API and the web interface, and each
    /// feature's part of them.
    func makeRouter(features: [any NodeFeature], site: Site) throws -> Router<NodeRequestContext> {
        let router = Router(context: NodeRequestContext.self)
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        OperationsRoutes(service: service, metrics: metrics).register(on: router)
        FederationRoutes(
            identity: identity,
            receiver: EnvelopeReceiver(
                identity: identity,
                peers: service.peers,
                store: store,
                intakes: features.flatMap(\.envelopeIntakes),
                storageQuota: options.peerStorageQuota
            ),
            peering: peering,
            outbox: service.outbox,
            limiter: RateLimiter(options.peerRateLimit),
            sourceLimiter: RateLimiter(options.sourceRateLimit),
            metrics: metrics
        ).register(on: router)
        let api = AdministrationRoutes(
            identity: identity,
            store: store,
            outbox: service.outbox,
            operatorToken: operatorToken,
            limiter: userLimiter,
            passwordHasher: options.passwordHasher
        ).register(on: router)
        let web = try WebSession(
            site: site,
            store: store,
            limiter: userLimiter,
            secureCookies: options.secureCookies ?? identity.endpoint.hasPrefix("https://"),
            passwordHasher: options.passwordHasher
        ).register(on: router)
        for feature in features {
            feature.addProtocolRoutes(to: router)
            feature.addRoutes(to: api)
            feature.addPages(to: web)
        }
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// The node's features over its shared parts: every route they and the node serve, and their jobs.
    func assemble() async throws -> (router: Router<NodeRequestContext>, jobs: [BackgroundJob]) {
        let site = Site(pages: try await Pages.load(), identity: identity, navigation: NodeFeatures.navigation)
        let features = makeFeatures(site: site)
        return (try makeRouter(features: features, site: site), features.flatMap(\.jobs))
    }

    func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void) async throws -> some ApplicationProtocol {
        let (router, jobs) = try await assemble()
        let background = BackgroundWork(outbox: service.outbox, jobs: jobs, logger: logger)
        var configuration = ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "Entente")
        configuration.reuseAddress = true
        configuration.availableConnectionsDelegate = MaximumAvailableConnections(options.maximumConnections)
        return Application(
            router: router,
            server: try httpServer(),
            configuration: configuration,
            services: [background],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// HTTP/1.1 with request deadlines, over TLS when the node has a certificate.
    func httpServer() throws -> HTTPServerBuilder {
        let timeouts = RequestDeadlineHandler.Timeouts(
            header: TimeAmount(options.requestHeaderTimeout),
            body: TimeAmount(options.requestBodyTimeout),
            idle: TimeAmount(options.idleTimeout)
        )
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [RequestDeadlineHandler(timeouts)],
                idleTimeout: TimeAmount(options.idleTimeout)
            )
        )
        guard let tls = options.tls else { return http1 }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificateChain).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKey, format: .pem))
        )
        return try .tls(http1, tlsConfiguration: configuration)
    }

    public var scheme: String { options.tls == nil ? "http" : "https" }

    /// Serves until SIGINT or SIGTERM (or `stop()`), then shuts down cleanly.
    public func run(handleSignals: Bool = true, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let application = try await makeApplication { port in
            try? self.directory.recordServing(url: "\(self.scheme)://\(self.options.host):\(port)")
            await onRunning(port)
        }
        let group = ServiceGroup(
            services: [application],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        await runState.set(group)
        do {
            try await group.run()
        } catch {
            await release()
            throw error
        }
        await release()
    }

    private func release() async {
        await store.close()
        try? await httpClient.shutdown()
    }

    /// Starts serving in the background and returns once the port is bound.
    public func start() async throws -> Int {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            do {
                try await self.run(handleSignals: false) { port in continuation.yield(port) }
            } catch {
                self.logger.error("node stopped with an error", metadata: ["error": "\(error)"])
            }
            continuation.finish()
        }
        await runState.set(task)
        for await port in ports { return port }
        throw APIError(.internalServerError, "start_failed", "node \(identity.id) did not start")
    }

    /// Stops serving gracefully; the store and the federation client are released once the server has stopped.
    public func stop() async {
        await runState.stop()
    }

    actor RunState {
        var group: ServiceGroup?
        var task: Task<Void, Never>?
        func set(_ group: ServiceGroup) { self.group = group }
        func set(_ task: Task<Void, Never>) { self.task = task }
        func stop() async {
            await group?.triggerGracefulShutdown()
            await task?.value
        }
    }
}

/// The outbox worker and the features' periodic jobs, tied to the server's lifetime.
struct BackgroundWork: Service {
    let outbox: OutboxWorker
    let jobs: [BackgroundJob]
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await outbox.run() }
                for job in jobs {
                    group.addTask { await every(job.interval, job.name, job.run) }
                }
            }
        }
    }

    private func every(_ interval: Duration, _ job: String, _ body: () async throws -> Void) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            do { try await body() } catch {
                logger.warning("\(job) failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// One log line per request, tagged with a request id that is also returned as `X-Request-Id`.
struct RequestLogMiddleware: RouterMiddleware {
    let metrics: NodeMetrics

    func handle(
        _ request: Request,
        context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        let requestID = UUIDv7.string(UUIDv7.generate())
        var context = context
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        let started = ContinuousClock.now
        metrics.requests.increment()
        do {
            var response = try await next(request, context)
            response.headers[.init("X-Request-Id")!] = requestID
            context.logger.info(
                "request",
                metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                    "duration": "\(ContinuousClock.now - started)",
                ]
            )
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[.init("X-Request-Id")!] = requestID
            context.logger.info(
                "request refused",
                metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)", "error": "\(error)",
                ]
            )
            return response
        } catch {
            context.logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            throw error
        }
    }
}
