import ArgumentParser
import EntenteProtocol
import Foundation
import Node

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
