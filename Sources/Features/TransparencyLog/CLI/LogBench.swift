import ArgumentParser
import Crypto
import Foundation
import Logging
import Node
import Storage
import TransparencyLog

extension Log {
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the transparency log on this machine, in a scratch database: appends per second, proof times and sizes.",
            discussion: """
                Never touches a node: it makes its own SQLite database in a temporary folder, or fills --database, which \
                must be an empty PostgreSQL database. Appends are measured end to end (appended in their own transactions, \
                as documents append them, then integrated into tiles and a signed checkpoint): one entry per transaction \
                from --writers concurrent writers, then --batch entries per transaction. The log is then filled to \
                --entries and proofs are computed from its tiles for random entries. Benchmarks/tlog_bench.py runs it.
                """
        )
        @Option(help: "An empty PostgreSQL database to fill (postgres://…); SQLite in a temporary folder otherwise.") var database: String?
        @Option(help: "Entries appended one per transaction.") var appends = 10_000
        @Option(help: "Concurrent writers of single-entry transactions.") var writers = 8
        @Option(help: "Entries per transaction in the batched run.") var batch = 100
        @Option(help: "Entries the log holds when proofs are measured.") var entries = 1_000_000
        @Option(help: "Proofs of each kind measured.") var proofs = 2_000
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var logger = Logger(label: "entente.bench")
            logger.logLevel = .warning
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("entente-log-bench-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try await NodeStore.open(
                databaseURL: database,
                defaultSQLitePath: folder.appendingPathComponent("bench.sqlite").path,
                features: NodeFeatures.schemas,
                logger: logger
            )
            defer { Task { await store.close() } }
            guard try await store.latestCheckpoint() == nil, try await store.pendingLogEntries() == 0, try await store.envelopeCount() == 0 else {
                throw ExitError("\(database ?? "the database") is not empty: the bench never writes into a node's log")
            }
            let signer = try NoteSigner(name: "entente/BENCH", key: Curve25519.Signing.PrivateKey())
            var report = Report(database: database == nil ? "sqlite" : "postgres")
            var appended = 0

            let (writers, batch, quiet, total) = (self.writers, self.batch, json, entries)
            let integrate: @Sendable () async throws -> SignedCheckpoint? = { try await store.integrateLog(signer: signer, now: Date()) }
            let single = appended..<appended + appends
            report.singleEntryTransactions = try await measure("one entry per transaction, \(writers) writers", single, integrate: integrate) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            for n in stride(from: single.lowerBound + writer, to: single.upperBound, by: writers) {
                                try await store.appendToLog([Self.entry(n)], now: Date())
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            appended = single.upperBound

            let batched = appended..<appended + appends * 5
            report.batchedTransactions = try await measure("\(batch) entries per transaction", batched, integrate: integrate) {
                for start in stride(from: batched.lowerBound, to: batched.upperBound, by: batch) {
                    try await store.appendToLog((start..<min(start + batch, batched.upperBound)).map(Self.entry), now: Date())
                }
            }
            appended = batched.upperBound

            if entries > appended {
                let rest = appended..<entries
                let bulk: @Sendable () async throws -> SignedCheckpoint? = {
                    try await store.integrateLog(signer: signer, batch: 10_000, now: Date())
                }
                report.bulkLoad = try await measure("filling the log to \(entries) entries", rest, integrate: bulk) {
                    for start in stride(from: rest.lowerBound, to: rest.upperBound, by: 10_000) {
                        try await store.appendToLog((start..<min(start + 10_000, rest.upperBound)).map(Self.entry), now: Date())
                        if !quiet { printError("  appended \(min(start + 10_000, rest.upperBound)) of \(total)") }
                    }
                }
                appended = entries
            }

            guard let checkpoint = try await store.latestCheckpoint() else { throw ExitError("the log has no checkpoint") }
            let size = checkpoint.checkpoint.size
            var generator = SystemRandomNumberGenerator()
            var inclusion: [Double] = []
            var inclusionHashes: [Int] = []
            var proofBytes: [Int] = []
            for _ in 0..<proofs {
                let index = Int.random(in: 0..<size, using: &generator)
                let started = ContinuousClock.now
                let hashes = try await store.logInclusionProof(index, size: size)
                inclusion.append(Self.microseconds(ContinuousClock.now - started))
                inclusionHashes.append(hashes.count)
                proofBytes.append(LogProof(index: index, proof: hashes, checkpoint: checkpoint).text.utf8.count)
                // Entries take their index in the order they were appended, not their number: check with the one there.
                guard let logged = try await store.logEntries(from: index, limit: 1).first else { throw ExitError("entry \(index) is missing") }
                let leaf = try LogEntry(parsing: Array(logged.entry.utf8)).leafHash
                try Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: hashes, root: checkpoint.checkpoint.root)
            }
            var consistency: [Double] = []
            var consistencyHashes: [Int] = []
            for _ in 0..<proofs {
                let old = Int.random(in: 1..<size, using: &generator)
                let started = ContinuousClock.now
                let hashes = try await store.logConsistencyProof(from: old, to: size)
                consistency.append(Self.microseconds(ContinuousClock.now - started))
                consistencyHashes.append(hashes.count)
            }
            report.proofs = Report.Proofs(
                size: size,
                inclusionMicroseconds: Report.Distribution(inclusion),
                inclusionHashes: Report.Distribution(inclusionHashes.map(Double.init)),
                tlogProofBytes: Report.Distribution(proofBytes.map(Double.init)),
                consistencyMicroseconds: Report.Distribution(consistency),
                consistencyHashes: Report.Distribution(consistencyHashes.map(Double.init))
            )
            if json { return printJSON(report) }
            print("database: \(report.database)")
            for (name, run) in [
                ("one entry per transaction", report.singleEntryTransactions), ("batched", report.batchedTransactions),
                ("bulk load", report.bulkLoad),
            ] {
                if let run { print("\(name): \(run.entries) entries in \(String(format: "%.2f", run.seconds)) s = \(Int(run.perSecond)) appends/s") }
            }
            if let proofs = report.proofs {
                print(
                    "at \(proofs.size) entries: inclusion proof p50 \(Int(proofs.inclusionMicroseconds.p50)) µs, p99 \(Int(proofs.inclusionMicroseconds.p99)) µs, \(Int(proofs.inclusionHashes.p50)) hashes, tlog-proof \(Int(proofs.tlogProofBytes.p50)) bytes"
                )
                print(
                    "consistency proof p50 \(Int(proofs.consistencyMicroseconds.p50)) µs, p99 \(Int(proofs.consistencyMicroseconds.p99)) µs, \(Int(proofs.consistencyHashes.p50)) hashes"
                )
            }
        }

        /// Appends `count` entries with `append` (given the range of entry numbers) while integrating them as the
        /// node's job does, and measures until the last is integrated under a signed checkpoint.
        func measure(
            _ name: String,
            _ range: Range<Int>,
            integrate: @escaping @Sendable () async throws -> SignedCheckpoint?,
            append: @escaping @Sendable () async throws -> Void
        ) async throws -> Report.Run {
            if !json { printError("\(name)…") }
            let target = range.upperBound
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await append() }
                group.addTask {
                    while true {
                        if let checkpoint = try await integrate(), checkpoint.checkpoint.size >= target { return }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                try await group.waitForAll()
            }
            let seconds = Double(Self.microseconds(ContinuousClock.now - started)) / 1e6
            return Report.Run(entries: range.count, seconds: seconds, perSecond: Double(range.count) / seconds)
        }

        static func entry(_ n: Int) -> LogEntry { LogEntry(kind: .envelope, document: Array("bench document \(n)".utf8)) }

        static func microseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
        }

        struct Report: Encodable {
            struct Run: Encodable {
                let entries: Int
                let seconds: Double
                let perSecond: Double
            }

            struct Distribution: Encodable {
                let p50: Double
                let p99: Double
                let max: Double

                init(_ values: [Double]) {
                    let sorted = values.sorted()
                    p50 = sorted[sorted.count / 2]
                    p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
                    max = sorted.last ?? 0
                }
            }

            struct Proofs: Encodable {
                let size: Int
                let inclusionMicroseconds: Distribution
                let inclusionHashes: Distribution
                let tlogProofBytes: Distribution
                let consistencyMicroseconds: Distribution
                let consistencyHashes: Distribution
            }

            let database: String
            var singleEntryTransactions: Run?
            var batchedTransactions: Run?
            var bulkLoad: Run?
            var proofs: Proofs?
        }
    }
}
