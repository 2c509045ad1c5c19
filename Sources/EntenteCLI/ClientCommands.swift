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

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a hotline message; prints its id.",
        discussion: "Template fields are given as --field NAME=VALUE, e.g. --field incidentType=ransomware."
    )
    @OptionGroup var connection: NodeConnectionOptions
    @Option(help: "Recipients' participant ids, comma-separated (LVA,LTU).") var to: String
    @Option(help: "notification, request-information, request-assistance, response, communication-check or free-text.") var template: String
    @Option(help: "routine, urgent or flash.") var priority: String
    @Option(help: "The subject line.") var subject: String
    @Option(help: "The message text.") var body = ""
    @Option(help: "TLP 2.0 label: clear, green, amber, amber+strict or red.") var tlp = "amber"
    @Option(help: "BCP 47 language tag of subject and body.") var language = "en"
    @Option(name: .customLong("field"), help: "A template field, NAME=VALUE (repeatable).") var fields: [String] = []
    @Option(help: "The id of the message this one answers.") var inReplyTo: String?
    @Option(help: "A case reference.") var caseReference: String?
    @Flag(help: "Mark the message as an exercise.") var exercise = false
    @Flag(help: "Answer an exercise message (--in-reply-to) as a real one; without it a reply to an exercise is an exercise.")
    var answerExerciseAsReal = false
    @Flag(help: "Print {\"id\": …} as JSON.") var json = false

    func run() async throws {
        var fieldValues: [String: JSONValue] = [:]
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ValidationError("--field must be NAME=VALUE") }
            fieldValues[String(parts[0])] = .string(String(parts[1]))
        }
        var request: [String: JSONValue] = [
            "to": .array(to.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }),
            "template": .string(template), "priority": .string(priority), "subject": .string(subject), "body": .string(body),
            "tlp": .string(tlp), "language": .string(language), "fields": .object(fieldValues), "exercise": .bool(exercise),
        ]
        if let inReplyTo { request["inReplyTo"] = .string(inReplyTo) }
        if answerExerciseAsReal { request["answersExerciseAsReal"] = true }
        if let caseReference { request["caseReference"] = .string(caseReference) }
        let result = try await connection.client().post("messages", .object(request))
        if json { printJSON(result) } else { print(result["id"]?.stringValue ?? "") }
    }
}

/// The options and output shared by `inbox` and `sent`.
struct MessageListOptions: ParsableArguments {
    @OptionGroup var connection: NodeConnectionOptions
    @Option(help: "At most this many messages.") var limit = 200
    @Flag(help: "Print JSON: an array of messages with id, from, subject, priority, receivedAt, acknowledged, …") var json = false

    func list(box: String) async throws {
        let messages = try await connection.client().get("messages?box=\(box)&limit=\(limit)")
        if json { return printJSON(messages) }
        let rows = messages.arrayValue ?? []
        if rows.isEmpty { print("No messages.") }
        for message in rows {
            let counterpart =
                box == "inbox"
                ? message["from"]?.stringValue ?? "" : (message["to"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            let flags = [message["exercise"]?.boolValue == true ? "EXERCISE" : nil, (message["state"]?.stringValue ?? "").uppercased()].compactMap {
                $0
            }
            print(
                [
                    message["id"]?.stringValue ?? "", (message["priority"]?.stringValue ?? "").uppercased(), counterpart,
                    message["subject"]?.stringValue ?? "", flags.joined(separator: " "),
                ].joined(separator: "\t")
            )
        }
    }
}

struct Inbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List received messages, newest first, with their acknowledgement state.")
    @OptionGroup var options: MessageListOptions
    func run() async throws { try await options.list(box: "inbox") }
}

struct Sent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List sent messages with receipts and acknowledgements per recipient.")
    @OptionGroup var options: MessageListOptions
    func run() async throws { try await options.list(box: "sent") }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one message, with its deliveries and acknowledgements (JSON).")
    @OptionGroup var connection: NodeConnectionOptions
    @Argument(help: "The message id.") var id: String

    func run() async throws { printJSON(try await connection.client().get("messages/\(id)")) }
}

struct Ack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Acknowledge a received message; its sender receives a signed acknowledgement.")
    @OptionGroup var connection: NodeConnectionOptions
    @Argument(help: "The message id.") var id: String
    @Option(help: "Who acknowledges (default: operator).") var by: String?
    @Flag(help: "Print {\"id\": …, \"acknowledged\": true} as JSON.") var json = false

    func run() async throws {
        let result = try await connection.client().post("messages/\(id)/acknowledge", by.map { ["by": .string($0)] } ?? [:])
        if json { printJSON(result) } else { print("Acknowledged \(id)") }
    }
}

struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a communication check to every peer and report the round trip of each.",
        discussion: "Waits up to --wait seconds for the receipts. A person's answer is the acknowledgement, which shows in `entente ping --report`."
    )
    @OptionGroup var connection: NodeConnectionOptions
    @Option(help: "Only these peers, comma-separated.") var to: String?
    @Option(help: "Seconds to wait for receipts.") var wait = 15
    @Flag(help: "Print the communication-check report instead of sending checks.") var report = false
    @Flag(help: "Mark the checks as an exercise.") var exercise = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = try connection.client()
        if report {
            let result = try await client.get("checks")
            if json { return printJSON(result) }
            for row in result["participants"]?.arrayValue ?? [] {
                print(
                    "\(row["peer"]?.stringValue ?? "")\tchecks \(row["checks"]?.integerValue ?? 0)\treached \(row["reached"]?.integerValue ?? 0)\tanswered \(row["answered"]?.integerValue ?? 0)\tmedian round trip \(row["medianRoundTripMs"]?.integerValue.map { "\($0) ms" } ?? "—")\tmedian answer \(row["medianTimeToAnswerMs"]?.integerValue.map { "\($0) ms" } ?? "—")"
                )
            }
            return
        }
        var body: [String: JSONValue] = ["exercise": .bool(exercise)]
        if let to { body["to"] = .array(to.split(separator: ",").map { .string(String($0)) }) }
        let sent = try await client.post("checks", .object(body))["sent"]?.objectValue ?? [:]
        var results: [String: JSONValue] = [:]
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        while results.count < sent.count {
            for (peer, id) in sent where results[peer] == nil {
                let message = try await client.get("messages/\(id.stringValue ?? "")")
                if let delivery = message["deliveries"]?.arrayValue?.first, let deliveredAt = delivery["deliveredAt"]?.stringValue,
                    let sentAt = message["sentAt"]?.stringValue, let delivered = Timestamp.milliseconds(deliveredAt),
                    let start = Timestamp.milliseconds(sentAt)
                {
                    results[peer] = ["peer": .string(peer), "id": id, "reached": true, "roundTripMs": .number(Double(delivered - start))]
                    if !json { printError("\(peer): receipt after \(delivered - start) ms") }
                }
            }
            if results.count == sent.count || Date() > deadline { break }
            if !json { printError("waiting for \(sent.count - results.count) of \(sent.count) receipts…") }
            try await Task.sleep(for: .milliseconds(500))
        }
        for (peer, id) in sent where results[peer] == nil {
            results[peer] = ["peer": .string(peer), "id": id, "reached": false, "roundTripMs": .null]
            if !json { printError("\(peer): no receipt within \(wait) s (delivery keeps retrying)") }
        }
        if json { printJSON(.array(results.keys.sorted().map { results[$0]! })) }
    }
}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage people's accounts (web sign-in and API tokens).",
        subcommands: [Add.self, List.self, Token.self]
    )

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a personal API token: the CLI then acts as that person, with their role.",
            discussion: """
                The operator token administers the node and speaks for nobody: attributions, statements, ballots,
                agreements and flash notifications need the token of a person whose role may sign them
                (`entente send --data DIR --token TOKEN …`). The token is shown once and stored as a hash.
                """
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The person's sign-in name.") var username: String
        @Flag(help: "Print {username, role, token} as JSON.") var json = false

        func run() async throws {
            let issued = try await connection.client().post("users/\(username)/tokens")
            if json { printJSON(issued) } else { print(issued["token"]?.stringValue ?? "") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account.",
            discussion: "The password is read from standard input (one line), so it stays out of the shell history and process list."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "Sign-in name.") var username: String
        @Option(help: "Name shown to others, e.g. \"Kadri Tamm\".") var name: String
        @Option(help: "diplomatic-poc, technical-poc, observer or operator.") var role: String

        func run() async throws {
            if isatty(STDIN_FILENO) != 0 { printError("Password (at least 12 characters): ", terminator: "") }
            guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw ExitError("No password given on standard input.") }
            _ = try await connection.client().post(
                "users",
                [
                    "username": .string(username), "displayName": .string(name), "role": .string(role), "password": .string(password),
                ]
            )
            print("Created \(username) (\(role))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            printRows(try await connection.client().get("users"), columns: ["username", "role", "displayName"], json: json)
        }
    }
}

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show how many deliveries are queued; --retry makes them due now.")
    @OptionGroup var connection: NodeConnectionOptions
    @Flag(help: "Retry every queued delivery now instead of at its backoff time.") var retry = false

    func run() async throws {
        let client = try connection.client()
        let status = retry ? try await client.post("outbox/retry") : try await client.get("outbox")
        print("\(status["depth"]?.integerValue ?? 0) deliveries queued")
    }
}

struct ExitError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func printError(_ text: String, terminator: String) {
    FileHandle.standardError.write(Data((text + terminator).utf8))
}

/// A file's bytes, or standard input's for "-", refused past `limit` bytes.
func readInput(_ file: String, limit: Int) throws -> Data {
    let data: Data
    do {
        data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
    } catch { throw ExitError("cannot read \(file): \(error.localizedDescription)") }
    guard data.count <= limit else { throw ExitError("\(file) is over \(limit >> 20) MiB") }
    return data
}
