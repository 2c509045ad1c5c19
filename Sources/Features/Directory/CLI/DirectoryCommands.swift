import ArgumentParser
import EntenteProtocol
import Foundation
import Node
import NodeAPI

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
            let directory = try await connection.client().call { try await $0.exportDirectory().ok.body.json }
            if let output {
                do { try Data(answerBytes(directory)).write(to: URL(fileURLWithPath: output)) } catch {
                    throw ExitError("cannot write \(output): \(error.localizedDescription)")
                }
                printError("Wrote \(directory.participants.count) participant(s) to \(output)")
            } else {
                printAnswer(directory)
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
            let pending = try await connection.client().call { try await $0.listPendingPeerChanges().ok.body.json }
            printRows(pending, json: json) { [$0.peer, $0.endpoint ?? "", $0.fingerprint ?? "", $0.summary] }
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
            let peer = try await connection.client().call { try await $0.confirmPeerChange(path: .init(id: id)).ok.body.json }
            print("\(id): fingerprint \(peer.value1.fingerprint), endpoint \(peer.value1.endpoint)")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the change a peer asked for; its pinned endpoint and keys stay.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's participant id.") var id: String

        func run() async throws {
            _ = try await connection.client().call { try await $0.rejectPeerChange(path: .init(id: id)).ok }
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
            switch try await connection.client().call({ try await $0.refreshPeer(path: .init(id: id)) }) {
            case .accepted(let waiting): print(try waiting.body.json.summary)
            case .ok(let refreshed):
                let peer = try refreshed.body.json.value1
                print("\(id): fingerprint \(peer.fingerprint), endpoint \(peer.endpoint)")
            default: throw ExitError("the node answered the refresh of \(id) as its API document does not say")
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
                let preview = try await client.call { try await $0.previewPeer(body: .json(.init(url: url))).ok.body.json }
                let presented = preview.fingerprint
                printError("\(preview.name) (\(preview.id)) at \(url)")
                printError("presents fingerprint: \(presented)")
                if !yes {
                    printError("Is this the fingerprint its operator gave you? [y/N] ", terminator: "")
                    guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                        throw ExitError("Not pinned.")
                    }
                }
                confirmed = presented
            }
            let peer = try await client.call { try await $0.addPeer(body: .json(.init(url: url, fingerprint: confirmed!))).created.body.json }
            if json {
                printAnswer(peer)
            } else {
                print("Pinned \(peer.value1.id) (\(peer.value1.name)) with fingerprint \(peer.value1.fingerprint)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pinned peers with their fingerprints.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let peers = try await connection.client().call { try await $0.listPeers().ok.body.json }
            printRows(peers, json: json) { [$0.value1.id, $0.value1.name, $0.value1.endpoint, $0.value1.fingerprint] }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpin a peer; envelopes from it are refused from then on.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The peer's participant id.") var id: String

        func run() async throws {
            _ = try await connection.client().call { try await $0.removePeer(path: .init(id: id)).noContent }
            print("Removed \(id)")
        }
    }
}
