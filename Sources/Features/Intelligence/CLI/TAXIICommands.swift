import ArgumentParser
import EntenteProtocol
import Foundation
import NodeAPI

struct TAXII: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxii",
        abstract: "The node's TAXII 2.1 server: collections and the accounts that read and write them.",
        discussion: """
            Any TAXII 2.1 client reads from and writes to <node>/taxii2/ (API root /taxii2/entente/), with HTTP Basic
            (account name and token) or a bearer token. TLP 2.0 decides what each account receives: members of this
            organisation, clients, and partners (other organisations) see different sets; TLP:RED only the recipients
            an object names in x_entente_recipients.
            """,
        subcommands: [
            Collections.self, AddCollection.self, Accounts.self, AddAccount.self, ShareCase.self, ImportMISP.self, ExportMISP.self, Sight.self,
            Subscribe.self, Subscriptions.self, Pull.self,
        ]
    )

    struct Collections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "collections", abstract: "List the collections.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let collections = try await connection.client().call { try await $0.listTAXIICollections().ok.body.json }
            printRows(collections, json: json) { [$0.id, $0.defaultTLP.rawValue, $0.title] }
        }
    }

    struct AddCollection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-collection", abstract: "Create a collection; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A title.") var title: String
        @Option(help: "A description.") var description = ""
        @Option(help: "The marking unmarked objects take: clear, green, amber, amber+strict.")
        var defaultTLP = Components.Schemas.NewTAXIICollection.DefaultTLPPayload.amber
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let collection = Components.Schemas.NewTAXIICollection(title: title, description: description, defaultTLP: defaultTLP)
            let created = try await connection.client().call { try await $0.createTAXIICollection(body: .json(collection)).created.body.json }
            if json { printAnswer(created) } else { print(created.id) }
        }
    }

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accounts", abstract: "List the accounts and their rights.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let accounts = try await connection.client().call { try await $0.listTAXIIAccounts().ok.body.json }
            printRows(accounts, json: json) {
                [$0.name, $0.relation.rawValue, "read: " + $0.read.joined(separator: ","), "write: " + $0.write.joined(separator: ",")]
            }
        }
    }

    struct AddAccount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-account",
            abstract: "Create or replace an account; prints its token (shown once)."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The account name (lowercase letters, digits, dots, hyphens).") var name: String
        @Option(help: "member (this organisation), client, or partner (another organisation).")
        var relation: Components.Schemas.NewTAXIIAccount.RelationPayload
        @Option(help: "Collections it may read, comma-separated.") var read = ""
        @Option(help: "Collections it may write, comma-separated.") var write = ""
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            func ids(_ text: String) -> [String] { text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let account = Components.Schemas.NewTAXIIAccount(name: name, relation: relation, read: ids(read), write: ids(write))
            let created = try await connection.client().call { try await $0.saveTAXIIAccount(body: .json(account)).created.body.json }
            if json { printAnswer(created) } else { print(created.token) }
        }
    }

    struct ShareCase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "share-case",
            abstract: "Share a case's indicators and file hashes in a collection, as STIX with the case's markings."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var caseID: String
        @Option(help: "The collection id.") var collection: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let result = try await connection.client().call {
                try await $0.shareCaseInCollection(path: .init(collection: collection, _case: caseID)).created.body.json
            }
            if json { printAnswer(result) } else { print("\(result.added) STIX objects shared") }
        }
    }

    struct ImportMISP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-misp",
            abstract: "Import a MISP event (MISP's JSON format) into a collection as STIX.",
            discussion: """
                The mapping is misp-stix's: the event becomes a report, each attribute for detection (to_ids) an indicator,
                any other attribute observed-data with its observables, all named after the MISP UUIDs. An attribute is marked
                with the stricter of its own TLP tag and the event's. Attributes of types without a mapping are listed, not imported.
                """
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The event's JSON file ('-' reads standard input).") var file: String
        @Option(help: "The collection id.") var collection: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let data = try readInput(file, limit: 64 << 20)
            let parsed: JSONValue
            do { parsed = try JSONValue(parsing: Array(data)) } catch { throw ExitError("\(file) is not JSON: \(error)") }
            let event: Operations.ImportMISPEvent.Input.Body.JsonPayload
            do { event = try parsed.decoded(as: Operations.ImportMISPEvent.Input.Body.JsonPayload.self) } catch {
                throw ExitError("\(file) is not a MISP event ({\"Event\": {…}} or the event itself, with its uuid): \(error)")
            }
            let result = try await connection.client().call {
                try await $0.importMISPEvent(path: .init(collection: collection), body: .json(event)).created.body.json
            }
            if json {
                printAnswer(result)
                return
            }
            print("\(result.added) STIX objects added, report \(result.report)")
            for reason in result.failures + result.skipped { print("  not imported: \(reason)") }
        }
    }

    struct ExportMISP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-misp",
            abstract: "Export a collection, or one report in it, as a MISP event (MISP's JSON format)."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The collection id.") var collection: String
        @Option(help: "Only this report's objects, as its event.") var report: String?
        @Option(help: "Write the event to this file instead of standard output.") var output: String?

        func run() async throws {
            let event = try await connection.client().call {
                try await $0.exportMISPEvent(path: .init(collection: collection), query: .init(report: report)).ok.body.json
            }
            guard let output else {
                printAnswer(event)
                return
            }
            try Data((String(decoding: answerBytes(event), as: UTF8.self) + "\n").utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            print("\(event.event.attribute.count) attributes written to \(output)")
        }
    }

    struct Sight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that an object (an indicator, usually) was seen here; prints the sighting's id.",
            discussion: "A sighting of an object pulled from a peer goes back to that peer's collection at the next pull, unless it is TLP:RED."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The sighted object's STIX id.") var object: String
        @Option(help: "The collection holding it.") var collection: String
        @Option(help: "How many times it was seen.") var count = 1
        @Option(name: .customLong("first-seen"), help: "When first seen (RFC 3339 UTC).") var firstSeen: String?
        @Option(name: .customLong("last-seen"), help: "When last seen (RFC 3339 UTC).") var lastSeen: String?
        @Option(help: "A note for the producer.") var note = ""
        @Option(help: "clear, green, amber, amber+strict or red.") var tlp = Components.Schemas.NewSighting.TlpPayload.amber
        @Option(name: .customLong("recipient"), help: "Who may read a TLP:RED sighting (repeat; default: only you).") var recipients: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let sighting = Components.Schemas.NewSighting(
                count: count,
                firstSeen: firstSeen,
                lastSeen: lastSeen,
                note: note,
                tlp: tlp,
                recipients: recipients
            )
            let created = try await connection.client().call {
                try await $0.reportSighting(path: .init(collection: collection, object: object), body: .json(sighting)).created.body.json
            }
            if json { printAnswer(created) } else { print(created.id) }
        }
    }

    struct Subscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull a peer's TAXII collection into a local one, incrementally, every minute.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The peer collection's URL, http(s)://…/collections/{id}/.") var url: String
        @Option(help: "The account the peer gave this node.") var account: String
        @Option(name: .customLong("peer-token"), parsing: .unconditional, help: "The token of that account.") var peerToken: String
        @Option(help: "The local collection to fill.") var collection: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let subscription = Components.Schemas.NewTAXIISubscription(url: url, account: account, token: peerToken, collection: collection)
            let created = try await connection.client().call {
                try await $0.subscribeToTAXIICollection(body: .json(subscription)).created.body.json
            }
            if json { printAnswer(created) } else { print(created.id) }
        }
    }

    struct Subscriptions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions: where each resumes, how much it fetched, its last error.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let subscriptions = try await connection.client().call { try await $0.listTAXIISubscriptions().ok.body.json }
            printRows(subscriptions, json: json) { [$0.id, $0.url, $0.cursor ?? "", String($0.sightingsReturned), $0.lastError ?? ""] }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return this node's sightings to, then pull from, every subscription now.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let exchange = try await connection.client().call { try await $0.pullTAXIISubscriptions().ok.body.json }
            if json { printAnswer(exchange) } else { print("\(exchange.stored) objects stored, \(exchange.sightingsReturned) sightings returned") }
        }
    }
}

extension Components.Schemas.NewTAXIICollection.DefaultTLPPayload: ExpressibleByArgument {}
extension Components.Schemas.NewTAXIIAccount.RelationPayload: ExpressibleByArgument {}
extension Components.Schemas.NewSighting.TlpPayload: ExpressibleByArgument {}
