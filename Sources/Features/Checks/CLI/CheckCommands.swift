import ArgumentParser
import EntenteProtocol
import Foundation
import Node
import NodeAPI

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
            let result = try await client.call { try await $0.checkReport().ok.body.json }
            if json { return printAnswer(result) }
            func milliseconds(_ value: Double?) -> String { value.map { "\(Int($0)) ms" } ?? "—" }
            for row in result.participants {
                print(
                    "\(row.peer)\tchecks \(row.checks)\treached \(row.reached)\tanswered \(row.answered)\tmedian round trip \(milliseconds(row.medianRoundTripMs))\tmedian answer \(milliseconds(row.medianTimeToAnswerMs))"
                )
            }
            return
        }
        let request = Operations.SendChecks.Input.Body.JsonPayload(
            to: to.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
            exercise: exercise
        )
        let sent = try await client.call { try await $0.sendChecks(body: .json(request)).created.body.json }.sent?.additionalProperties ?? [:]
        var results: [String: RoundTrip] = [:]
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        while results.count < sent.count {
            for (peer, id) in sent where results[peer] == nil {
                let message = try await client.call { try await $0.getMessage(path: .init(id: id)).ok.body.json }
                if let deliveredAt = message.deliveries?.first?.deliveredAt, let delivered = Timestamp.milliseconds(deliveredAt),
                    let start = Timestamp.milliseconds(message.sentAt)
                {
                    results[peer] = RoundTrip(peer: peer, id: id, reached: true, roundTripMs: delivered - start)
                    if !json { printError("\(peer): receipt after \(delivered - start) ms") }
                }
            }
            if results.count == sent.count || Date() > deadline { break }
            if !json { printError("waiting for \(sent.count - results.count) of \(sent.count) receipts…") }
            try await Task.sleep(for: .milliseconds(500))
        }
        for (peer, id) in sent where results[peer] == nil {
            results[peer] = RoundTrip(peer: peer, id: id, reached: false, roundTripMs: nil)
            if !json { printError("\(peer): no receipt within \(wait) s (delivery keeps retrying)") }
        }
        if json { printJSON(results.keys.sorted().map { results[$0]! }) }
    }

    /// One check's outcome as `--json` prints it; `roundTripMs` is null when no receipt came in time.
    struct RoundTrip: Encodable {
        let peer: String
        let id: String
        let reached: Bool
        let roundTripMs: Int64?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(peer, forKey: .peer)
            try container.encode(id, forKey: .id)
            try container.encode(reached, forKey: .reached)
            try container.encode(roundTripMs, forKey: .roundTripMs)
        }

        enum CodingKeys: String, CodingKey { case peer, id, reached, roundTripMs }
    }
}
