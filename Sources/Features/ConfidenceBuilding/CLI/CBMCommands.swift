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
            let report = try await connection.client().call { try await $0.confidenceBuildingMeasures().ok.body.json }
            if json { return printAnswer(report) }
            print((["#", "measure"] + report.status.map(\.participant)).joined(separator: "\t"))
            for measure in report.measures {
                let statuses = report.status.map { $0.measures.additionalProperties["\(measure.number)"]?.status.rawValue ?? "—" }
                print((["\(measure.number)", measure.title] + statuses).joined(separator: "\t"))
            }
            for check in report.pointsOfContactChecks {
                print("measure 8 check with \(check.participant): \(check.answered) of \(check.checks) answered")
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
