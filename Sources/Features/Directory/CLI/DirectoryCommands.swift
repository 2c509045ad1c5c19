import ArgumentParser
import EntenteProtocol
import Foundation
import Node

struct Directory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export whom this node trusts with which keys, for `entente verify --directory`.",
        subcommands: [Export.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this node's pinned fingerprints (its own and every peer's, with the keys they rotated from).",
            discussion: """
                The file anchors `entente verify`: a statement or result verifies only when every signer's keys are
                found in it (or given with --expect). Keep it where you keep anything you trust: it is not signed.
                """
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            let directory = try await connection.client().get("directory")
            if let output {
                do { try Data(directory.canonicalBytes).write(to: URL(fileURLWithPath: output)) } catch {
                    throw ExitError("cannot write \(output): \(error.localizedDescription)")
                }
                printError("Wrote \(directory["participants"]?.arrayValue?.count ?? 0) participant(s) to \(output)")
            } else {
                printJSON(directory)
            }
        }
    }
}

struct Peer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pin, list and remove the nodes this node federates with.",
        subcommands: [Add.self, List.self, Remove.self, Refresh.self, Pending.self, Confirm.self, Reject.self]
    )

    struct Pending: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List changes of trust peers asked for (a new endpoint, rotated keys) that wait for you."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            printRows(try await connection.client().get("peers/pending"), columns: ["peer", "endpoint", "fingerprint", "summary"], json: json)
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the endpoint or keys a peer asked for, after checking its new fingerprint with its operator.",
            discussion: "See `entente peer pending`. Deliveries owed to the peer are retried at once."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's participant id.") var id: String

        func run() async throws {
            let peer = try await connection.client().post("peers/\(id)/confirm")
            print("\(id): fingerprint \(peer["fingerprint"]?.stringValue ?? "?"), endpoint \(peer["endpoint"]?.stringValue ?? "?")")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the change a peer asked for; its pinned endpoint and keys stay.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's participant id.") var id: String

        func run() async throws {
            _ = try await connection.client().post("peers/\(id)/reject")
            print("Rejected the change \(id) asked for")
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-read a peer's descriptor: new endpoint and POCs are taken, new keys only if the pinned key signed them."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's participant id.") var id: String

        func run() async throws {
            let peer = try await connection.client().post("peers/\(id)/refresh")
            if let summary = peer["summary"]?.stringValue {
                print(summary)
            } else {
                print("\(id): fingerprint \(peer["fingerprint"]?.stringValue ?? "?"), endpoint \(peer["endpoint"]?.stringValue ?? "?")")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin a peer by its URL and fingerprint.",
            discussion: """
                Without --fingerprint, shows the fingerprint the peer presents and asks you to confirm that it is the
                one its operator read to you out of band; --yes accepts it without asking (scripts, demos).
                """
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's base URL.") var url: String
        @Option(help: "The fingerprint the peer's operator gave you (30 digits; spaces are ignored).") var fingerprint: String?
        @Flag(help: "Accept the presented fingerprint without asking.") var yes = false
        @Flag(help: "Print the pinned peer as JSON.") var json = false

        func run() async throws {
            let client = try connection.client()
            var confirmed = fingerprint
            if confirmed == nil {
                let preview = try await client.post("peers/preview", ["url": .string(url)])
                let presented = preview["fingerprint"]?.stringValue ?? ""
                printError("\(preview["name"]?.stringValue ?? "?") (\(preview["id"]?.stringValue ?? "?")) at \(url)")
                printError("presents fingerprint: \(presented)")
                if !yes {
                    printError("Is this the fingerprint its operator gave you? [y/N] ", terminator: "")
                    guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                        throw ExitError("Not pinned.")
                    }
                }
                confirmed = presented
            }
            let peer = try await client.post("peers", ["url": .string(url), "fingerprint": .string(confirmed!)])
            if json {
                printJSON(peer)
            } else {
                print(
                    "Pinned \(peer["id"]?.stringValue ?? "?") (\(peer["name"]?.stringValue ?? "?")) with fingerprint \(peer["fingerprint"]?.stringValue ?? "?")"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pinned peers with their fingerprints.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            printRows(try await connection.client().get("peers"), columns: ["id", "name", "endpoint", "fingerprint"], json: json)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpin a peer; envelopes from it are refused from then on.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's participant id.") var id: String

        func run() async throws {
            try await connection.client().delete("peers/\(id)")
            print("Removed \(id)")
        }
    }
}
