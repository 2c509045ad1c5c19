import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral

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
            let parsed: [JSONValue] = try injects.map { text in
                let parts = text.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 4 else { throw ValidationError("an inject is OFFSET|RECIPIENTS|PRIORITY|SUBJECT|BODY, got \(text)") }
                return [
                    "offsetSeconds": .number(Double(try parts[0] == "0" ? 0 : seconds(parts[0]))), "to": participantList(parts[1]),
                    "priority": .string(parts[2]),
                    "subject": .string(parts[3]), "body": .string(parts.count > 4 ? parts[4] : ""),
                ]
            }
            let start = startIn == "0s" || startIn == "0" ? 0 : try seconds(startIn)
            let drill = try await connection.client().post(
                "drills",
                ["scenario": ["name": .string(name), "injects": .array(parsed)], "startInSeconds": .number(Double(start))]
            )
            if json { printJSON(drill) } else { print(drill["id"]?.stringValue ?? "") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List drills with how many injects went out and were answered.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let drills = try await connection.client().get("drills")
            if json { return printJSON(drills) }
            for drill in drills.arrayValue ?? [] {
                print(
                    [
                        drill["id"]?.stringValue ?? "", drill["startAt"]?.stringValue ?? "", "sent \(drill["sent"]?.integerValue ?? 0)",
                        "answered \(drill["answered"]?.integerValue ?? 0)", drill["name"]?.stringValue ?? "",
                    ].joined(separator: "\t")
                )
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The after-action report: each inject at each participant and response times.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The drill id.") var drill: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = try await connection.client().get("drills/\(drill)")
            if json { return printJSON(report) }
            print("\(report["name"]?.stringValue ?? "")  [EXERCISE]  started \(report["startAt"]?.stringValue ?? "")")
            for row in report["deliveries"]?.arrayValue ?? [] {
                let response = if case .number(let seconds)? = row["responseSeconds"] { "\(Int(seconds.rounded())) s" } else { "unanswered" }
                print(
                    "inject \(row["inject"]?.integerValue ?? 0) → \(row["recipient"]?.stringValue ?? "")  sent \(row["sentAt"]?.stringValue ?? "pending")  response \(response)"
                )
            }
            for summary in report["participants"]?.arrayValue ?? [] {
                print(
                    "\(summary["participant"]?.stringValue ?? ""): answered \(summary["answered"]?.integerValue ?? 0)/\(summary["injects"]?.integerValue ?? 0), in time \(summary["answeredInTime"]?.integerValue ?? 0)"
                )
            }
        }
    }
}
