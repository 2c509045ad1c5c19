import ArgumentParser
import CanonicalJSON
import Cases
import EntenteProtocol
import Foundation
import Multilateral
import NodeAPI
import TransparencyLog

/// An exported file as its exporting node logged it: a vote result is the record entry it is, a joint
/// statement the statement as this node issued it, signatures included. Either way the entry's digest is
/// the SHA-256 of the file's bytes.
enum ExportedFile {
    static func entry(of bytes: [UInt8]) -> LogEntry? {
        switch (try? JSONValue(parsing: bytes))?["type"]?.stringValue {
        case RecordEntry.documentType: LogEntry(kind: .recordEntry, document: bytes)
        case JointStatement.documentType: LogEntry(kind: .jointStatement, document: bytes)
        case AgreementFile.documentType: LogEntry(kind: .agreement, document: bytes)
        default: nil
        }
    }

    /// Where a file's proof is kept: beside it, as the spec suggests.
    static func proofPath(of file: String) -> String { file + "." + LogProof.fileExtension }
}

extension NodeAPIClient {
    /// Writes an exported file byte for byte, says so with `summary`, then (unless `proofWait` is 0) writes its
    /// log proof beside it.
    func saveExport(_ bytes: [UInt8], to file: String, summary: String, proofWait: Int) async throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: file)) } catch {
            throw ExitError("cannot write \(file): \(error.localizedDescription)")
        }
        print(summary)
        if proofWait > 0, let entry = ExportedFile.entry(of: bytes) {
            try await writeLogProof(of: entry, besides: file, wait: .seconds(proofWait))
        }
    }

    /// Writes the proof that `entry` is in the node's log beside `file`, waiting up to `wait` for the entry to be
    /// integrated and its checkpoint cosigned by the node's quorum of witnesses. Says what it wrote, or why not.
    func writeLogProof(of entry: LogEntry, besides file: String, wait: Duration) async throws {
        let path = ExportedFile.proofPath(of: file)
        let deadline = ContinuousClock.now + wait
        var best: Components.Schemas.LogProofAnswer?
        while true {
            do {
                best = try await call {
                    try await $0.logProof(path: .init(kind: .init(rawValue: entry.kind.rawValue)!, digest: entry.digest.hex)).ok.body.json
                }
            } catch let failure as Failure where failure.status == 404 {
                best = nil
            }
            if best?.quorumMet == true || ContinuousClock.now >= deadline { break }
            printError(best == nil ? "waiting for the node to log \(file)…" : "waiting for a quorum of witnesses to cosign…")
            try await Task.sleep(for: .seconds(1))
        }
        guard let best else {
            return printError("⚠️  \(file) is not in the node's log yet: write its proof later with `entente log proof \(file)`")
        }
        do { try Data(best.proof.utf8).write(to: URL(fileURLWithPath: path)) } catch {
            throw ExitError("cannot write \(path): \(error.localizedDescription)")
        }
        let witnesses = best.witnesses.isEmpty ? "no witness yet" : "witnessed by " + best.witnesses.joined(separator: ", ")
        print(
            "Wrote \(path): entry \(best.index) of \(best.size), \(witnesses)\(best.quorumMet ? "" : " (not yet a quorum: run `entente log proof \(file)` again later)")"
        )
    }
}

extension Log {
    struct Proof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the offline proof that an exported vote result or joint statement is in the node's log, as FILE.tlog-proof.",
            discussion: """
                The proof (C2SP tlog-proof) holds the file's place in the log, the inclusion proof and a checkpoint with its \
                witnesses' cosignatures. `entente verify FILE` checks it against your own pins, with no node running. \
                `entente forum result` and `entente case export` write it already; run this when they could not wait for it.
                """
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The exported file.") var file: String
        @Option(help: "Seconds to wait for the log and a quorum of witnesses.") var wait = 15

        func run() async throws {
            let bytes: [UInt8]
            do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                throw ExitError("cannot read \(file): \(error.localizedDescription)")
            }
            guard let entry = ExportedFile.entry(of: bytes) else { throw ExitError("\(file) is not an exported vote result or joint statement") }
            try await connection.client().writeLogProof(of: entry, besides: file, wait: .seconds(wait))
        }
    }
}

/// What `entente verify` establishes from a file's `.tlog-proof`, with no node running: the keys come from the
/// verifier's own policy file or the directory its node exported, never from the proof.
struct OfflineLogCheck {
    var origin: String?
    var index: Int?
    var size: Int?
    var cosignatures: [(witness: String, time: Date)] = []
    var quorumMet = false
    /// What the proof claims and does not hold, in words: a forged or altered proof, too few witnesses.
    var problems: [String] = []
    /// Why the proof could not be checked at all (no anchored key for the log), if it could not.
    var unchecked: String?

    var proven: Bool { problems.isEmpty && unchecked == nil }

    /// Checks the proof of `bytes` at `proofPath` against `policy` (a tlog-policy file) or, without one, the
    /// keys in `anchors`: the log's pinned key, every other participant as a witness, `quorum` of them
    /// (a majority by default).
    static func check(bytes: [UInt8], proofPath: String, policy policyFile: String?, anchors: TrustAnchors, quorum: Int?) -> OfflineLogCheck {
        var check = OfflineLogCheck()
        guard let entry = ExportedFile.entry(of: bytes) else {
            check.problems.append("this kind of file has no place in a log")
            return check
        }
        let proof: LogProof
        do {
            proof = try LogProof(parsing: String(decoding: try Data(contentsOf: URL(fileURLWithPath: proofPath)), as: UTF8.self))
        } catch {
            check.problems.append("cannot read the proof \(proofPath): \(error)")
            return check
        }
        check.origin = proof.checkpoint.checkpoint.origin
        let policy: WitnessPolicy
        if let policyFile {
            do { policy = try WitnessPolicy(parsing: String(decoding: try Data(contentsOf: URL(fileURLWithPath: policyFile)), as: UTF8.self)) } catch
            {
                check.problems.append("cannot read the policy \(policyFile): \(error)")
                return check
            }
        } else {
            guard let built = Self.policy(for: proof.checkpoint.checkpoint.origin, anchors: anchors, quorum: quorum) else {
                check.unchecked = "\(check.origin!)'s key is not anchored: give --directory (your node's `entente directory export`) or --policy FILE"
                return check
            }
            policy = built
        }
        do {
            let verdict = try proof.verify(entry, policy: policy)
            check.index = verdict.index
            check.size = verdict.size
            check.cosignatures = verdict.cosignatures
            check.quorumMet = verdict.quorumMet
            if !verdict.quorumMet {
                check.problems.append("the checkpoint is cosigned by \(verdict.cosignatures.count) witness(es), not the quorum the policy asks")
            }
        } catch {
            check.problems.append(error.description)
        }
        return check
    }

    /// The policy the anchors give for `origin`'s log: its participant's signing key (the current one, or one it
    /// rotated from: whichever signed), every other anchored participant as a witness.
    static func policy(for origin: String, anchors: TrustAnchors, quorum: Int?) -> WitnessPolicy? {
        guard let id = LogNames.participant(ofOrigin: origin).flatMap(ParticipantID.init), let keys = anchors.keys[id], let current = keys.first
        else {
            return nil
        }
        let witnesses = anchors.keys.keys.filter { $0 != id }.sorted().compactMap { witness -> WitnessPolicy.Witness? in
            guard let key = anchors.keys[witness]?.first else { return nil }
            return (try? CosignerKey(name: LogNames.witness(of: witness.rawValue), key: key.signing)).map {
                WitnessPolicy.Witness(name: witness.rawValue, key: $0)
            }
        }
        let logs = ([current] + keys.dropFirst()).compactMap { try? NoteVerifier(name: origin, key: $0.signing) }
        var policy = WitnessPolicy.threshold(quorum ?? (witnesses.count / 2 + 1), of: witnesses, log: logs[0])
        policy = WitnessPolicy(logs: logs, witnesses: policy.witnesses, groups: policy.groups, quorum: policy.quorum)
        return policy
    }

    /// The check as `entente verify --json` prints it, under `log`.
    func json(proofPath: String) -> JSONValue {
        var members: [String: JSONValue] = ["proof": .string(proofPath), "quorumMet": .bool(quorumMet), "proven": .bool(proven)]
        members["origin"] = origin.map(JSONValue.string) ?? .null
        members["index"] = index.map { JSONValue.number(Double($0)) } ?? .null
        members["size"] = size.map { JSONValue.number(Double($0)) } ?? .null
        let witnesses: [JSONValue] = cosignatures.map { ["witness": .string($0.witness), "time": .string(Timestamp.format($0.time))] }
        members["witnesses"] = .array(witnesses)
        members["unchecked"] = unchecked.map(JSONValue.string) ?? .null
        return .object(members)
    }

    /// The check in plain words: what is proven, and what is not.
    var lines: [String] {
        guard let origin else { return problems.map { "NOT PROVEN: \($0)" } }
        if let unchecked { return ["LOG NOT CHECKED: \(unchecked)"] }
        let who = LogNames.participant(ofOrigin: origin) ?? origin
        var lines: [String] = []
        if let index, let size {
            lines.append("LOGGED: entry \(index) of \(size) in \(who)'s log, under a checkpoint signed by \(who)'s anchored key")
            let times = cosignatures.map { "\($0.witness) (\(Timestamp.format($0.time)))" }
            lines.append(
                (quorumMet ? "WITNESSED: " : "NOT WITNESSED BY A QUORUM: ")
                    + (times.isEmpty ? "no witness cosigned this checkpoint" : "cosigned by " + times.joined(separator: ", "))
            )
            if quorumMet, let first = cosignatures.map(\.time).min() {
                lines.append(
                    "This proves that \(who)'s record held this exact file by \(Timestamp.format(first)), and that \(who) cannot show any "
                        + "participant a record without it unless one of these witnesses signed two histories. It does not prove when "
                        + "the file was signed, nor to whom \(who) sent it."
                )
            }
        }
        lines += problems.map { "NOT PROVEN: \($0)" }
        return lines
    }
}

/// `entente verify` on a proof of equivocation (as `entente log status --json` or the Log page gives it): both
/// checkpoints must be signed by the key the verifier anchored for that log, and contradict each other.
enum OfflineEquivocationCheck {
    /// Nil when `bytes` are not a proof of equivocation; otherwise what checking it established.
    static func check(_ bytes: [UInt8], policy policyFile: String?, anchors: TrustAnchors) -> Result<String, ExitError>? {
        guard let proof = try? EquivocationProof(json: String(decoding: bytes, as: UTF8.self)) else { return nil }
        var keys: [NoteVerifier] = []
        if let policyFile {
            guard let text = try? String(contentsOfFile: policyFile, encoding: .utf8), let policy = try? WitnessPolicy(parsing: text) else {
                return .failure(ExitError("cannot read the policy \(policyFile)"))
            }
            keys = policy.logs.filter { $0.name == proof.origin }
        } else if let id = LogNames.participant(ofOrigin: proof.origin).flatMap(ParticipantID.init) {
            keys = (anchors.keys[id] ?? []).compactMap { try? NoteVerifier(name: proof.origin, key: $0.signing) }
        }
        guard !keys.isEmpty else {
            return .failure(ExitError("NOT VERIFIED: \(proof.origin)'s key is not anchored: give --directory (your node's export) or --policy FILE"))
        }
        var failure: EquivocationError?
        for key in keys {
            do {
                try proof.verify(log: key)
                return .success("EQUIVOCATION PROVEN: \(proof.summary), both signed by its anchored key. Anyone holding that key can check it.")
            } catch {
                failure = error
            }
        }
        return .failure(ExitError("NOT VERIFIED: \(failure?.description ?? "no anchored key verifies it")"))
    }
}
