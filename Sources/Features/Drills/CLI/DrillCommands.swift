import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral
import NodeAPI

struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Joint exercises: timed injects through the hotline, marked as exercise, and the after-action report.",
        subcommands: [Create.self, List.self, Report.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Schedule a drill; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The drill's name.") var name: String
        @Option(help: "Start after this long, e.g. 0s, 10m.") var startIn = "0s"
        @Option(
            name: .customLong("inject"),
            help: "An inject, OFFSET|RECIPIENTS|PRIORITY|SUBJECT|BODY, e.g. '5m|EST,LVA|urgent|Grid intrusion|Acknowledge.' (repeatable)."
        )
        var injects: [String]
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            typealias Inject = Components.Schemas.NewDrill.ScenarioPayload.InjectsPayloadPayload
            let parsed: [Inject] = try injects.map { text in
                let parts = text.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 4 else { throw ValidationError("an inject is OFFSET|RECIPIENTS|PRIORITY|SUBJECT|BODY, got \(text)") }
                guard let priority = Inject.PriorityPayload(rawValue: parts[2]) else {
                    throw ValidationError("an inject's priority is routine, urgent or flash, not \(parts[2])")
                }
                return Inject(
                    offsetSeconds: try parts[0] == "0" ? 0 : seconds(parts[0]),
                    to: participants(parts[1]),
                    priority: priority,
                    subject: parts[3],
                    body: parts.count > 4 ? parts[4] : ""
                )
            }
            let start = startIn == "0s" || startIn == "0" ? 0 : try seconds(startIn)
            let request = Components.Schemas.NewDrill(scenario: .init(name: name, injects: parsed), startInSeconds: start)
            let drill = try await connection.client().call { try await $0.createDrill(body: .json(request)).created.body.json }
            if json { printAnswer(drill) } else { print(drill.id) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List drills with how many injects went out and were answered.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let drills = try await connection.client().call { try await $0.listDrills().ok.body.json }
            printRows(drills, json: json) { [$0.id, $0.startAt, "sent \($0.sent)", "answered \($0.answered)", $0.name] }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The after-action report: each inject at each participant and response times.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The drill id.") var drill: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = try await connection.client().call { try await $0.showDrill(path: .init(drill: drill)).ok.body.json }
            if json { return printAnswer(report) }
            print("\(report.name)  [EXERCISE]  started \(report.startAt)")
            for row in report.deliveries {
                let response = row.responseSeconds.map { "\(Int($0.rounded())) s" } ?? "unanswered"
                print("inject \(row.inject) → \(row.recipient)  sent \(row.sentAt ?? "pending")  response \(response)")
            }
            for summary in report.participants {
                print("\(summary.participant): answered \(summary.answered)/\(summary.injects), in time \(summary.answeredInTime)")
            }
        }
    }
}
