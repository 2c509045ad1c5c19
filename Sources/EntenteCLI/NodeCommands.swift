import ArgumentParser
import EntenteProtocol
import Foundation
import Logging
import Node
import Storage

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a node: its keys, operator token and configuration, in a new data directory.",
        discussion: """
            Prints the node's fingerprint: read it aloud to each peer's operator, who checks it when pinning this node.
            Points of Contact are given as ROLE|NAME|EMAIL|LANGUAGES|TIME ZONE|AVAILABILITY, for example
              --poc 'diplomatic|Kadri Tamm|cyber@mfa.ee|et,en|Europe/Tallinn|office-hours'
              --poc 'technical|CERT-EE duty officer|cert@cert.ee|et,en|Europe/Tallinn|24/7'
            """
    )

    @Option(help: "The data directory to create (keys are written with owner-only permissions).") var data: String
    @Option(help: "The participant id: ISO 3166-1 alpha-3 for a state (EST), an acronym for an organisation (OSCE).") var id: String
    @Option(help: "The participant's full name, e.g. \"Republic of Estonia\".") var name: String
    @Option(help: "state, organization or private.") var kind: String
    @Option(help: "The URL other nodes reach this node at, e.g. https://entente.mfa.ee") var url: String
    @Option(name: .customLong("poc"), help: "A Point of Contact (repeatable); see the format above.") var pointsOfContact: [String] = []
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        guard let participant = ParticipantID(id) else {
            throw ValidationError("--id must be 2 to 32 characters of A-Z, 0-9 and -, starting with a letter (e.g. EST, OSCE).")
        }
        guard let participantKind = ParticipantKind(rawValue: kind) else { throw ValidationError("--kind must be state, organization or private.") }
        let contacts = try pointsOfContact.map(Self.parsePointOfContact)
        let directory = NodeDirectory(path: data)
        let identity = try directory.initialize(
            .init(
                id: participant,
                name: name,
                kind: participantKind,
                url: url,
                pointsOfContact: contacts,
                acknowledgementDeadlines: [:]
            )
        )
        let fingerprint = identity.keys.publicKeys.fingerprint
        if json {
            printJSON(["id": .string(participant.rawValue), "data": .string(data), "fingerprint": .string(fingerprint.description)])
        } else {
            print("Created node \(participant) (\(name)) in \(data)")
            print("Fingerprint: \(fingerprint)")
            print("Read the fingerprint to each peer's operator; they confirm it when they run `entente peer add`.")
            print("Next: entente serve --data \(data)")
        }
    }

    static func parsePointOfContact(_ text: String) throws -> PointOfContact {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 6, let role = PointOfContact.Role(rawValue: parts[0]),
            let availability = PointOfContact.Availability(rawValue: parts[5]), !parts[1].isEmpty, parts[2].contains("@")
        else {
            throw ValidationError(
                "--poc must be ROLE|NAME|EMAIL|LANGUAGES|TIME ZONE|AVAILABILITY with role diplomatic or technical and availability 24/7 or office-hours"
            )
        }
        return PointOfContact(
            role: role,
            name: parts[1],
            email: parts[2],
            languages: parts[3].split(separator: ",").map(String.init),
            timeZone: parts[4],
            availability: availability
        )
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a node: its federation endpoint, API, web interface and outbox delivery.",
        discussion: "Stops cleanly on SIGINT or SIGTERM. Queued deliveries resume at the next start."
    )

    @Option(help: "The node's data directory.") var data: String
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (default: the port of the node's URL).") var port: Int?
    @Option(help: "postgres://user:password@host:port/database to use PostgreSQL; default SQLite in the data directory.") var database: String?
    @Option(help: "Send a communication check to every peer this often, in seconds (0: never).") var checkInterval = 0
    @Option(help: "Requests per second each person or the operator token may make to the API and web interface.") var userRateLimit = 20.0
    @Option(help: "Envelopes per second each peer may deliver.") var peerRateLimit = 500.0
    @Option(help: "Alert the diplomatic POC when a case request for the technical desk is this many seconds overdue (-1: never).")
    var escalateAfter = 0
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Log format: text, or json (one object per line, for log collectors).") var logFormat = "text"
    @Option(
        help: """
            Roles that sign political acts (attributions, statements, co-signatures, ballots, agreements, norm commitments \
            and allegations, flash notifications), comma-separated.
            """
    )
    var politicalRoles = "diplomatic-poc"
    @Flag(
        help: """
            Take a peer's key rotation signed by its pinned key without asking. Off by default: a rotation waits for \
            `entente peer confirm`, because whoever steals a signing key could otherwise rotate to keys of its own for good.
            """
    )
    var acceptSignedRotations = false
    @Option(help: "Serve HTTPS with this PEM certificate chain (with --tls-key).") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "PEM roots to trust, besides the system's, for peers and TAXII servers reached over https.") var trustedRoots: String?
    @Option(help: "Connections served at once.") var maximumConnections = 1024
    @Option(help: "Megabytes of envelopes kept for any one peer; past it its envelopes are refused (quota_exceeded).") var peerStorageQuotaMb = 2048
    @Option(
        help: "Milliseconds between the transparency log's batches: each integrates what was appended, signs a checkpoint and asks the witnesses."
    )
    var logIntervalMs = 1000
    @Option(help: "Seconds between readings of every peer's transparency log.") var logMonitorInterval = 10
    @Option(help: "Seconds a peer has to show in its log a document it sent before an alert is raised.") var logInclusionDeadline = 300
    @Option(help: "Witnesses (pinned peers) whose cosignatures make this node's checkpoints count (default: a majority of its peers).")
    var witnessQuorum: Int?

    func politicalRoleSet() throws -> Set<Role> {
        Set(
            try politicalRoles.split(separator: ",").map { name in
                guard let role = Role(rawValue: name.trimmingCharacters(in: .whitespaces)), role != .operator else {
                    throw ValidationError("--political-roles takes diplomatic-poc, technical-poc or observer; the operator speaks for nobody")
                }
                return role
            }
        )
    }

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard maximumConnections > 0 else { throw ValidationError("--maximum-connections must be positive") }
        guard peerStorageQuotaMb > 0 else { throw ValidationError("--peer-storage-quota-mb must be positive") }
        guard logIntervalMs > 0, logMonitorInterval > 0, logInclusionDeadline > 0 else {
            throw ValidationError("--log-interval-ms, --log-monitor-interval and --log-inclusion-deadline must be positive")
        }
        guard (witnessQuorum ?? 1) > 0 else { throw ValidationError("--witness-quorum must be positive") }
        guard !(try politicalRoleSet()).isEmpty else { throw ValidationError("--political-roles names at least one role") }
        guard userRateLimit > 0, peerRateLimit > 0 else { throw ValidationError("rate limits must be positive") }
        guard (0...65535).contains(port ?? 0) else { throw ValidationError("--port must be 0 to 65535") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning or error")
        }
    }

    func run() async throws {
        let directory = NodeDirectory(path: data)
        let configuration = try directory.loadConfiguration()
        var options = NodeServer.Options()
        options.host = host
        options.port = port ?? URLComponents(string: configuration.url)?.port ?? 7300
        options.databaseURL = database
        options.checkInterval = checkInterval > 0 ? .seconds(checkInterval) : nil
        options.caseEscalation = escalateAfter < 0 ? nil : CaseEscalationPolicy(after: .seconds(escalateAfter))
        options.userRateLimit = .init(rate: userRateLimit, burst: userRateLimit * 3)
        options.peerRateLimit = .init(rate: peerRateLimit, burst: peerRateLimit * 2)
        options.speaking = SpeakingPolicy(politicalRoles: try politicalRoleSet())
        options.acceptsSignedRotations = acceptSignedRotations
        if let tlsCert, let tlsKey { options.tls = (tlsCert, tlsKey) }
        options.trustedRoots = trustedRoots
        options.maximumConnections = maximumConnections
        options.peerStorageQuota = Int64(peerStorageQuotaMb) << 20
        options.logInterval = .milliseconds(logIntervalMs)
        options.logMonitorInterval = .seconds(logMonitorInterval)
        options.logInclusionDeadline = .seconds(logInclusionDeadline)
        options.witnessQuorum = witnessQuorum
        if logFormat == "json" { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        var logger = Logger(label: "entente")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let server = try await NodeServer.open(directory: directory, options: options, logger: logger)
        let (host, announcer) = (options.host, logger)
        try await server.run { port in
            announcer.notice("serving", metadata: ["url": "\(server.scheme)://\(host):\(port)", "id": "\(configuration.id)"])
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the node's keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the node's keys; the old key signs the new ones so that peers accept them.",
            discussion: """
                Stop the node first and let its outbox drain (`entente outbox`): queued envelopes were signed with the old key.
                Peers see the new keys when they next read this node's descriptor (hourly, on `entente peer refresh`,
                or at once when an envelope signed with the new key reaches them) and hold them until their operator
                confirms them (`entente peer confirm`), unless they run with --accept-signed-rotations. Tell them the
                new fingerprint: that is what they confirm.
                """
        )
        @Option(help: "The node's data directory.") var data: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (previous, current) = try NodeDirectory(path: data).rotateKeys()
            if json {
                printJSON(["previousFingerprint": .string(previous.description), "fingerprint": .string(current.description)])
            } else {
                print("Rotated keys of \(data)")
                print("Previous fingerprint: \(previous)")
                print("New fingerprint:      \(current)")
            }
        }
    }
}
