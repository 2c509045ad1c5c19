import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral

struct Norms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norms",
        abstract: "The norms catalogue and matrix: commitments and cases alleging breaches.",
        subcommands: [Matrix.self, Commit.self, Allege.self, Add.self]
    )

    struct Matrix: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print participants × norms: ✓ committed, !N alleged breaches.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let norms = try await connection.client().call { try await $0.normsMatrix().ok.body.json }
            if json { return printAnswer(norms) }
            let codes = norms.norms.map(\.code)
            print((["participant"] + codes).joined(separator: "\t"))
            for row in norms.matrix {
                let cells = codes.map { code -> String in
                    guard let cell = row.norms.additionalProperties[code] else { return "" }
                    return (cell.committed != nil ? "✓" : "") + (cell.allegedBreaches.isEmpty ? "" : "!\(cell.allegedBreaches.count)")
                }
                print(([row.participant] + cells).joined(separator: "\t"))
            }
        }
    }

    struct Commit: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Record this node's commitment to a norm.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The norm's code, e.g. gge2015-13f or paris-4.") var norm: String
        @Option(help: "Since when, YYYY-MM-DD.") var date: String
        @Option(help: "By which document.") var document: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.commitment, "public", ["norm": .string(norm), "date": .string(date), "document": .string(document)])
        }
    }

    struct Allege: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Link a case to a norm it allegedly breaches.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The norm's code.") var norm: String
        @Option(name: .customLong("case"), help: "The case id.") var caseReference: String
        @Option(help: "Who allegedly breached it: a participant id or an actor.") var against: String
        @Option(help: "A note.") var note = ""
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (
                .allegation, "public",
                ["norm": .string(norm), "caseReference": .string(caseReference), "against": .string(against), "note": .string(note)]
            )
        }
    }

    struct Add: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Add a regional or bilateral norm to the catalogue.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A code: lowercase letters, digits, hyphens.") var code: String
        @Option(help: "A title.") var title: String
        @Option(help: "The text.") var text: String
        @Option(help: "Its source document.") var source: String
        @Option(help: "regional or bilateral.") var scope = "regional"
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (
                .norm, "public",
                ["code": .string(code), "title": .string(title), "text": .string(text), "source": .string(source), "scope": .string(scope)]
            )
        }
    }
}
