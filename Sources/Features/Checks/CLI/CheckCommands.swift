import ArgumentParser
import EntenteProtocol
import Foundation
import Node

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
