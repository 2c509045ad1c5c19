import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral

struct Agreement: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Agreements signed by each party's node, with obligations that set hotline deadlines between the parties.",
        subcommands: [Propose.self, Sign.self, List.self, Export.self]
    )

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose an agreement and sign it as this node; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A title.") var title: String
        @Option(help: "The text, or @FILE.") var text: String
        @Option(help: "The other parties, comma-separated.") var parties: String
        @Option(name: .customLong("acknowledge"), help: "An acknowledgement obligation PRIORITY=DURATION, e.g. urgent=30m (repeatable).")
        var acknowledgements: [String] = []
        @Option(help: "Notify incidents affecting the other's critical infrastructure within this long, e.g. 24h.") var notifyWithin: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = try connection.client()
            let me = JSONValue.string(try await client.nodeID())
            var obligations: [JSONValue] = try pairs(acknowledgements, "--acknowledge PRIORITY=DURATION").map { priority, duration in
                [
                    "kind": "acknowledge", "priority": .string(priority), "withinSeconds": .number(Double(try seconds(duration))),
                    "description": .string("acknowledge \(priority) within \(duration)"),
                ]
            }
            if let notifyWithin {
                obligations.append([
                    "kind": "notify-incident", "withinSeconds": .number(Double(try seconds(notifyWithin))),
                    "description": .string("notify within \(notifyWithin)"),
                ])
            }
            let body: JSONValue = [
                "title": .string(title), "text": .string(try textArgument(text)),
                "parties": .array([me] + (participantList(parties).arrayValue ?? [])), "obligations": .array(obligations),
            ]
            let id = try await client.write(.agreement, body: body).id
            _ = try await client.write(.agreementSignature, space: "agreement:\(id)", body: [:])
            if json { printAnswer(try await client.call { try await $0.showAgreement(path: .init(agreement: id)).ok.body.json }) } else { print(id) }
        }
    }

    struct Sign: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Sign an agreement this node is a party to.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The agreement id.") var agreement: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.agreementSignature, "agreement:\(agreement)", [:])
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agreements: parties, signatures, whether in force.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let agreements = try await connection.client().call { try await $0.listAgreements().ok.body.json }
            printRows(agreements, json: json) {
                [$0.id, $0.inForce ? "in force" : "awaiting signatures", $0.parties.joined(separator: ","), $0.title]
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save an agreement in force for offline verification (entente verify FILE), with its log proof beside it."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The agreement id.") var agreement: String
        @Option(name: .shortAndLong, help: "Where to write the file; its offline proof goes beside it, as FILE.tlog-proof.") var output: String
        @Option(help: "Seconds to wait for the file to be logged and witnessed (0: write no proof).") var proofWait = 15

        func run() async throws {
            let client = try connection.client()
            let file = try await client.call { try await $0.downloadAgreement(path: .init(agreement: agreement)).ok.body.json }
            let parties = file.parties.map(\.participant).joined(separator: ", ")
            try await client.saveExport(try answerBytes(file), to: output, summary: "Wrote \(output), signed by \(parties)", proofWait: proofWait)
        }
    }
}
