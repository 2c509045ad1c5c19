import ArgumentParser
import Foundation
import NodeAPI

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "This node's transparency log, its witnesses, and its peers' logs.",
        subcommands: [Status.self, Audit.self, Proof.self, Bench.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The log's size and latest checkpoint, which witnesses cosigned it, the peers' logs this node checks, and alerts.",
            discussion: "Exits 1 when there is an alert (a proof of equivocation, a document a peer did not log, a log that contradicts itself)."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let status = try await connection.client().call { try await $0.logStatus().ok.body.json }
            if json {
                printAnswer(status)
            } else {
                // A policy of `quorum none` is met by definition: with no peer pinned, say there is no witness.
                let witnessed =
                    status.policy.contains("quorum none\n") ? "no witnesses: no peer pinned" : "quorum \(status.quorumMet ? "met" : "NOT met")"
                print("\(status.origin): \(status.size) entries, \(status.pending) waiting; \(witnessed)")
                print("log key:     \(status.logKey)")
                print("witness key: \(status.witnessKey)")
                for witness in status.witnesses {
                    let state = witness.cosignedLatest ? "cosigned the latest" : "cosigned \(witness.cosignedSize)"
                    print(
                        "witness \(witness.witness)\t\(state)\t\(witness.cosignedAt ?? "never")\(witness.lastError.map { "\tlast error: \($0)" } ?? "")"
                    )
                }
                for log in status.peerLogs {
                    print(
                        "peer log \(log.origin)\twitnessed \(log.witnessedSize.map(String.init) ?? "—")\tchecked \(log.monitoredSize.map(String.init) ?? "—")"
                    )
                }
                for alert in status.alerts { print("ALERT \(alert.kind) \(alert.origin) ×\(alert.count): \(alert.detail)") }
            }
            if !status.alerts.isEmpty { throw ExitCode(1) }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-derive the whole log from the stored entries and documents, and compare it with the latest checkpoint and the tiles.",
            discussion: "Operator only. Exits 1 unless the log is consistent and every stored document is in it (or waiting to be)."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            if !json { printError("re-deriving the log from every stored entry and document…") }
            let report = try await connection.client().call { try await $0.auditLog().ok.body.json }
            if json {
                printAnswer(report)
            } else {
                print("\(report.origin): \(report.size) entries, root \(report.root)")
                print("latest checkpoint: \(report.checkpointMatches ? "signed here, root of the entries" : "DOES NOT MATCH the entries")")
                print("tiles: \(report.tilesAgree ? "agree" : "DISAGREE")")
                if !report.checkpointsContradicted.isEmpty { print("checkpoints contradicted: \(report.checkpointsContradicted)") }
                for (kind, count) in report.documents.additionalProperties.sorted(by: { $0.key < $1.key }) {
                    print("\(kind): \(count.held) held, \(count.logged) logged, \(count.pending) waiting, \(count.missing) missing")
                }
                for entry in report.missing { print("missing: \(entry)") }
                print(report.consistent ? "consistent" : "NOT consistent")
            }
            if !report.consistent { throw ExitCode(1) }
        }
    }
}
