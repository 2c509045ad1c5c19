import ArgumentParser
import Cases
import EntenteProtocol
import Foundation
import Hotline
import Logging
import Node
import Storage
import UnixSignals

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a demo federation on loopback: four states and the OSCE, each its own node and database.",
        discussion: """
            Each node gets its own data directory under --data, is pinned by every other, and has four accounts
            (diplomat, cert, observer, operator). The demo passwords are for this loopback demo only.
            Runs until Ctrl-C; run it again to resume with the same data.
            """
    )

    @Option(help: "Where the demo nodes keep their data.") var data = "demo-data"
    @Option(help: "Port of the first node; the others follow.") var basePort = 7301
    @Option(help: "postgres://… base URL: each node then uses its own database there (must exist).") var database: String?
    @Flag(help: "Set up, play the exercise case and record, wait until every node holds them, then stop (for scripts and CI).") var once = false
    @Flag(help: "Print the nodes and logins as JSON.") var json = false

    static let participants: [(id: String, name: String, kind: ParticipantKind, languages: [String], timeZone: String)] = [
        ("EST", "Republic of Estonia", .state, ["et", "en"], "Europe/Tallinn"),
        ("LVA", "Republic of Latvia", .state, ["lv", "en"], "Europe/Riga"),
        ("LTU", "Republic of Lithuania", .state, ["lt", "en"], "Europe/Vilnius"),
        ("FIN", "Republic of Finland", .state, ["fi", "sv", "en"], "Europe/Helsinki"),
        ("OSCE", "Organization for Security and Co-operation in Europe", .organization, ["en", "fr", "ru"], "Europe/Vienna"),
    ]
    static let accounts: [(username: String, title: String, role: Role)] = [
        ("diplomat", "Diplomatic POC", .diplomaticPOC), ("cert", "CERT duty officer", .technicalPOC),
        ("observer", "Observer", .observer), ("operator", "Node operator", .operator),
    ]

    static func password(for id: String) -> String { "entente-demo-\(id.lowercased())" }

    func run() async throws {
        var logger = Logger(label: "entente.demo")
        logger.logLevel = .warning
        var servers: [NodeServer] = []
        var urls: [String: String] = [:]
        for (index, participant) in Self.participants.enumerated() {
            let port = basePort + index
            let url = "http://127.0.0.1:\(port)"
            let directory = NodeDirectory(path: (data as NSString).appendingPathComponent(participant.id.lowercased()))
            if (try? directory.loadConfiguration()) == nil {
                try directory.initialize(
                    .init(
                        id: ParticipantID(participant.id)!,
                        name: participant.name,
                        kind: participant.kind,
                        url: url,
                        pointsOfContact: [
                            PointOfContact(
                                role: .diplomatic,
                                name: "\(participant.id) cyber desk, Ministry of Foreign Affairs",
                                email: "cyber-desk@\(participant.id.lowercased()).example",
                                languages: participant.languages,
                                timeZone: participant.timeZone,
                                availability: .officeHours
                            ),
                            PointOfContact(
                                role: .technical,
                                name: "\(participant.id) national CERT duty officer",
                                email: "duty@cert.\(participant.id.lowercased()).example",
                                phone: "+000 0000 \(port)",
                                languages: participant.languages,
                                timeZone: participant.timeZone,
                                availability: .roundTheClock
                            ),
                        ],
                        acknowledgementDeadlines: [:]
                    )
                )
            }
            var options = NodeServer.Options()
            options.port = port
            options.databaseURL = database.map { $0.trimmingSuffix("/") + "/entente_demo_\(participant.id.lowercased())" }
            options.retry = .init(initial: .milliseconds(500), maximum: .seconds(30))
            let server = try await NodeServer.open(directory: directory, options: options, logger: logger)
            for account in Self.accounts where try await server.store.user(account.username) == nil {
                try await server.store.createUser(
                    UserRecord(
                        username: account.username,
                        displayName: "\(participant.id) \(account.title)",
                        role: account.role,
                        passwordHash: try options.passwordHasher.hash(Self.password(for: participant.id))
                    ),
                    now: Date()
                )
            }
            _ = try await server.start()
            servers.append(server)
            urls[participant.id] = url
            if !json { printError("started \(participant.id) at \(url)") }
        }

        for server in servers {
            for other in servers where other !== server {
                guard await server.service.peers.peer(other.identity.id) == nil else { continue }
                _ = try await server.peering.addPeer(url: urls[other.identity.id.rawValue]!, fingerprint: other.identity.keys.publicKeys.fingerprint)
            }
        }

        let opening = try await sendOpeningMessages(servers)
        let caseID = try await ExerciseCase(servers: servers).play()
        let record = ExerciseRecord(servers: servers, caseID: caseID)
        let forumID = try await record.play()
        let intelligence = try await ExerciseIntelligence(servers: servers, caseID: caseID, urls: urls).play()
        printSummary(servers, urls: urls, caseID: caseID, forumID: forumID, intelligence: intelligence)

        if once {
            try await waitForDelivery(of: opening, on: servers)
            try await ExerciseCase(servers: servers).waitUntilEveryParticipantAgrees(on: caseID)
            if !json { printError("the exercise case is held identically by every participant") }
            try await record.waitUntilEveryMemberHoldsTheResult(of: forumID)
            if !json { printError("the working group's statement, adopted by silence procedure, is held by every member") }
            for server in servers { await server.stop() }
            return
        }
        if !json { print("\nPress Ctrl-C to stop the demo.") }
        // The demo runs until interrupted: show the tour now even when standard output is a pipe or a file.
        fflush(nil)
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        if !json { printError("stopping…") }
        for server in servers { await server.stop() }
    }

    /// An exercise notification from Estonia and a communication check from the OSCE, so inboxes are not empty.
    func sendOpeningMessages(_ servers: [NodeServer]) async throws -> [(server: NodeServer, id: String)] {
        guard let estonia = servers.first, let osce = servers.last, try await estonia.store.messages(direction: .outgoing, limit: 1).isEmpty else {
            return []
        }
        let others = servers.dropFirst().map(\.identity.id)
        let notification = try await estonia.service.send(
            .init(
                to: others,
                template: .notification,
                priority: .flash,
                subject: "EXERCISE: ransomware affecting payment systems of two banks",
                body: "Exercise. Encryption of core banking servers at two banks since 05:40 UTC. Indicators attached in the next message.",
                fields: [
                    "incidentType": "ransomware", "affectedSectors": "banking; financial market infrastructure",
                    "impact": "card payments degraded nationwide",
                ],
                tlp: .amber,
                exercise: true
            ),
            composedBy: "EST Diplomatic POC",
            role: .diplomaticPOC
        )[0]
        let checks = try await osce.service.sendCommunicationChecks(composedBy: "OSCE Node operator", exercise: true)
        return [(estonia, notification)] + checks.values.map { (osce, $0) }
    }

    func waitForDelivery(of messages: [(server: NodeServer, id: String)], on servers: [NodeServer]) async throws {
        let deadline = Date().addingTimeInterval(60)
        for (server, id) in messages {
            while try await server.store.message(id)?.deliveries.contains(where: { $0.deliveredAt == nil }) ?? true {
                guard Date() < deadline else { throw ExitError("demo messages were not delivered within 60 s") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        if !json { printError("all opening messages delivered, with signed receipts") }
    }

    func printSummary(
        _ servers: [NodeServer],
        urls: [String: String],
        caseID: String,
        forumID: String,
        intelligence: (estonia: String, latvia: String)
    ) {
        if json {
            return printJSON(
                .array(
                    servers.map { server in
                        let id = server.identity.id.rawValue
                        return [
                            "id": .string(id), "name": .string(server.identity.name), "url": .string(urls[id]!),
                            "fingerprint": .string(server.identity.keys.publicKeys.fingerprint.description),
                            "data": .string((data as NSString).appendingPathComponent(id.lowercased())),
                            "password": .string(Self.password(for: id)),
                            "users": .array(Self.accounts.map { ["username": .string($0.username), "role": .string($0.role.rawValue)] }),
                            "case": id == "FIN" ? .null : .string("\(urls[id]!)/cases/\(caseID)"),
                            "forum": .string("\(urls[id]!)/forums/\(forumID)"),
                            "intelligence": .string(
                                "\(urls[id]!)/intelligence"
                                    + (id == "EST" ? "/\(intelligence.estonia)" : id == "LVA" ? "/\(intelligence.latvia)" : "")
                            ),
                        ]
                    }
                )
            )
        }
        print("\nEntente demo federation (exercise): \(servers.count) nodes on loopback, all peered.\n")
        for server in servers {
            let id = server.identity.id.rawValue
            print("\(id.padding(toLength: 5, withPad: " ", startingAt: 0)) \(server.identity.name)")
            print("      web:         \(urls[id]!)/login")
            print("      logins:      \(Self.accounts.map(\.username).joined(separator: ", ")) — password \(Self.password(for: id))")
            print("      fingerprint: \(server.identity.keys.publicKeys.fingerprint)")
            print("      CLI:         entente inbox --data \((data as NSString).appendingPathComponent(id.lowercased()))")
        }
        print("\nExercise case (ransomware at two banks, from first notice to follow-up): \(urls["EST"]!)/cases/\(caseID)")
        print("Finland was not invited to it: its node holds nothing of it.")
        print("OSCE working group (statement adopted by silence, a norm open for votes): \(urls["OSCE"]!)/forums/\(forumID)")
        print("Threat intelligence (the case's indicators and CERT-EE's MISP event over TAXII; Latvia's sighting came back):")
        print(
            "      \(urls["EST"]!)/intelligence/\(intelligence.estonia) — pulled by Latvia into \(urls["LVA"]!)/intelligence/\(intelligence.latvia)"
        )
        print("Also: /agreements (Estonia–Latvia, in force), /norms (matrix), /cbms, /capacity, /drills on every node.")
    }
}
