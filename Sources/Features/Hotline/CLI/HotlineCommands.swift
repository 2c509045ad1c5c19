import ArgumentParser
import EntenteProtocol
import Foundation
import Node
import NodeAPI

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a hotline message; prints its id.",
        discussion: "Template fields are given as --field NAME=VALUE, e.g. --field incidentType=ransomware."
    )
    @OptionGroup var connection: NodeConnectionOptions
    @Option(help: "Recipients' participant ids, comma-separated (LVA,LTU).") var to: String
    @Option(help: "notification, request-information, request-assistance, response, communication-check or free-text.")
    var template: Components.Schemas.Draft.TemplatePayload
    @Option(help: "routine, urgent or flash.") var priority: Components.Schemas.Draft.PriorityPayload
    @Option(help: "The subject line.") var subject: String
    @Option(help: "The message text.") var body = ""
    @Option(help: "TLP 2.0 label: clear, green, amber, amber+strict or red.") var tlp = Components.Schemas.Draft.TlpPayload.amber
    @Option(help: "BCP 47 language tag of subject and body.") var language = "en"
    @Option(name: .customLong("field"), help: "A template field, NAME=VALUE (repeatable).") var fields: [String] = []
    @Option(help: "The id of the message this one answers.") var inReplyTo: String?
    @Option(help: "A case reference.") var caseReference: String?
    @Flag(help: "Mark the message as an exercise.") var exercise = false
    @Flag(help: "Answer an exercise message (--in-reply-to) as a real one; without it a reply to an exercise is an exercise.")
    var answerExerciseAsReal = false
    @Flag(help: "Print {\"id\": …} as JSON.") var json = false

    func run() async throws {
        var fieldValues: [String: String] = [:]
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ValidationError("--field must be NAME=VALUE") }
            fieldValues[String(parts[0])] = String(parts[1])
        }
        let draft = Components.Schemas.Draft(
            to: to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            template: template,
            priority: priority,
            subject: subject,
            body: body,
            language: language,
            fields: .init(additionalProperties: fieldValues),
            caseReference: caseReference,
            inReplyTo: inReplyTo,
            tlp: tlp,
            exercise: exercise,
            answersExerciseAsReal: answerExerciseAsReal ? true : nil
        )
        let result = try await connection.client().call { try await $0.sendMessage(body: .json(draft)).created.body.json }
        if json { printAnswer(result) } else { print(result.id) }
    }
}

/// The options and output shared by `inbox` and `sent`.
struct MessageListOptions: ParsableArguments {
    @OptionGroup var connection: NodeConnectionOptions
    @Option(help: "At most this many messages.") var limit = 200
    @Flag(help: "Print JSON: an array of messages with id, from, subject, priority, receivedAt, acknowledged, …") var json = false

    func list(box: Operations.ListMessages.Input.Query.BoxPayload) async throws {
        let messages = try await connection.client().call { try await $0.listMessages(query: .init(box: box, limit: limit)).ok.body.json }
        if json { return printAnswer(messages) }
        if messages.isEmpty { print("No messages.") }
        for message in messages {
            let counterpart = box == .inbox ? message.from : message.to.joined(separator: ",")
            let flags = [message.exercise ? "EXERCISE" : nil, message.state.rawValue.uppercased()].compactMap { $0 }
            print(
                [message.id, message.priority.rawValue.uppercased(), counterpart, message.subject, flags.joined(separator: " ")].joined(
                    separator: "\t"
                )
            )
        }
    }
}

struct Inbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List received messages, newest first, with their acknowledgement state.")
    @OptionGroup var options: MessageListOptions
    func run() async throws { try await options.list(box: .inbox) }
}

struct Sent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List sent messages with receipts and acknowledgements per recipient.")
    @OptionGroup var options: MessageListOptions
    func run() async throws { try await options.list(box: .sent) }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one message, with its deliveries and acknowledgements (JSON).")
    @OptionGroup var connection: NodeConnectionOptions
    @Argument(help: "The message id.") var id: String

    func run() async throws { printAnswer(try await connection.client().call { try await $0.getMessage(path: .init(id: id)).ok.body.json }) }
}

struct Ack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Acknowledge a received message; its sender receives a signed acknowledgement.")
    @OptionGroup var connection: NodeConnectionOptions
    @Argument(help: "The message id.") var id: String
    @Option(help: "Who acknowledges (default: operator).") var by: String?
    @Flag(help: "Print {\"id\": …, \"acknowledged\": true} as JSON.") var json = false

    func run() async throws {
        let result = try await connection.client().call {
            try await $0.acknowledgeMessage(path: .init(id: id), body: .json(.init(by: by))).ok.body.json
        }
        if json { printAnswer(result) } else { print("Acknowledged \(id)") }
    }
}

extension Components.Schemas.Draft.TemplatePayload: ExpressibleByArgument {}
extension Components.Schemas.Draft.PriorityPayload: ExpressibleByArgument {}
extension Components.Schemas.Draft.TlpPayload: ExpressibleByArgument {}
