import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral

struct CBM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbm",
        abstract: "The OSCE's sixteen cyber/ICT confidence-building measures and each participant's implementation.",
        subcommands: [List.self, Status.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each measure with each participant's status.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = try await connection.client().get("cbms")
            if json { return printJSON(report) }
            let rows = report["status"]?.arrayValue ?? []
            print((["#", "measure"] + rows.compactMap { $0["participant"]?.stringValue }).joined(separator: "\t"))
            for measure in report["measures"]?.arrayValue ?? [] {
                let number = measure["number"]?.integerValue ?? 0
                print(
                    (["\(number)", measure["title"]?.stringValue ?? ""] + rows.map { $0["measures"]?["\(number)"]?["status"]?.stringValue ?? "—" })
                        .joined(separator: "\t")
                )
            }
            for check in report["pointsOfContactChecks"]?.arrayValue ?? [] {
                print(
                    "measure 8 check with \(check["participant"]?.stringValue ?? ""): \(check["answered"]?.integerValue ?? 0) of \(check["checks"]?.integerValue ?? 0) answered"
                )
            }
        }
    }

    struct Status: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Record this node's implementation of a measure, with evidence.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The measure, 1 to 16.") var measure: Int
        @Argument(help: "not-started, planned, in-progress or implemented.") var status: String
        @Option(help: "What shows it (required for implemented).") var evidence = ""
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.cbmStatus, "public", ["measure": .number(Double(measure)), "status": .string(status), "evidence": .string(evidence)])
        }
    }
}
