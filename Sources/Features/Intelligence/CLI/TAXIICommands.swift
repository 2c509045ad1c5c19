import ArgumentParser
import EntenteProtocol
import Foundation

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
            printRows(try await connection.client().get("taxii/collections"), columns: ["id", "defaultTLP", "title"], json: json)
        }
    }

    struct AddCollection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-collection", abstract: "Create a collection; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A title.") var title: String
        @Option(help: "A description.") var description = ""
        @Option(help: "The marking unmarked objects take: clear, green, amber, amber+strict.") var defaultTLP = "amber"
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let created = try await connection.client().post(
                "taxii/collections",
                ["title": .string(title), "description": .string(description), "defaultTLP": .string(defaultTLP)]
            )
            if json { printJSON(created) } else { print(created["id"]?.stringValue ?? "") }
        }
    }

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accounts", abstract: "List the accounts and their rights.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let accounts = try await connection.client().get("taxii/accounts")
            if json { return printJSON(accounts) }
            for account in accounts.arrayValue ?? [] {
                let read = (account["read"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                let write = (account["write"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                print(
                    [account["name"]?.stringValue ?? "", account["relation"]?.stringValue ?? "", "read: " + read, "write: " + write].joined(
                        separator: "\t"
                    )
                )
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
        @Option(help: "member (this organisation), client, or partner (another organisation).") var relation: String
        @Option(help: "Collections it may read, comma-separated.") var read = ""
        @Option(help: "Collections it may write, comma-separated.") var write = ""
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let created = try await connection.client().post(
                "taxii/accounts",
                [
                    "name": .string(name), "relation": .string(relation),
                    "read": read.isEmpty ? [] : list(read), "write": write.isEmpty ? [] : list(write),
                ]
            )
            if json { printJSON(created) } else { print(created["token"]?.stringValue ?? "") }
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
            let result = try await connection.client().post("taxii/collections/\(collection)/cases/\(caseID)")
            if json { printJSON(result) } else { print("\(result["added"]?.integerValue ?? 0) STIX objects shared") }
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
            let event: JSONValue
            do { event = try JSONValue(parsing: Array(data)) } catch { throw ExitError("\(file) is not JSON: \(error)") }
            let result = try await connection.client().post("taxii/collections/\(collection)/misp", event)
            if json {
                printJSON(result)
                return
            }
            print("\(result["added"]?.integerValue ?? 0) STIX objects added, report \(result["report"]?.stringValue ?? "")")
            for reason in (result["failures"]?.arrayValue ?? []) + (result["skipped"]?.arrayValue ?? []) {
                print("  not imported: \(reason.stringValue ?? "")")
            }
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
            var path = "taxii/collections/\(collection)/misp"
            if let report { path += "?report=" + (report.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? report) }
            let event = try await connection.client().get(path)
            guard let output else {
                printJSON(event)
                return
            }
            try Data((event.canonicalString + "\n").utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            print("\(event["Event"]?["Attribute"]?.arrayValue?.count ?? 0) attributes written to \(output)")
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
        @Option(help: "clear, green, amber, amber+strict or red.") var tlp = "amber"
        @Option(name: .customLong("recipient"), help: "Who may read a TLP:RED sighting (repeat; default: only you).") var recipients: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var body: [String: JSONValue] = [
                "count": .number(Double(count)), "note": .string(note), "tlp": .string(tlp),
                "recipients": .array(recipients.map(JSONValue.string)),
            ]
            if let firstSeen { body["firstSeen"] = .string(firstSeen) }
            if let lastSeen { body["lastSeen"] = .string(lastSeen) }
            let created = try await connection.client().post("taxii/collections/\(collection)/objects/\(object)/sightings", .object(body))
            if json { printJSON(created) } else { print(created["id"]?.stringValue ?? "") }
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
            let created = try await connection.client().post(
                "taxii/subscriptions",
                [
                    "url": .string(url), "account": .string(account), "token": .string(peerToken), "collection": .string(collection),
                ]
            )
            if json { printJSON(created) } else { print(created["id"]?.stringValue ?? "") }
        }
    }

    struct Subscriptions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions: where each resumes, how much it fetched, its last error.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            printRows(
                try await connection.client().get("taxii/subscriptions"),
                columns: ["id", "url", "cursor", "sightingsReturned", "lastError"],
                json: json
            )
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return this node's sightings to, then pull from, every subscription now.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let exchange = try await connection.client().post("taxii/subscriptions/pull")
            if json {
                printJSON(exchange)
            } else {
                print(
                    "\(exchange["stored"]?.integerValue ?? 0) objects stored, \(exchange["sightingsReturned"]?.integerValue ?? 0) sightings returned"
                )
            }
        }
    }
}
