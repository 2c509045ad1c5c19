import ArgumentParser
import Cases
import EntenteProtocol
import Foundation
import Multilateral
import TransparencyLog

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify an exported joint statement, vote result or agreement, or a proof of equivocation, offline.",
        discussion: """
            Checks that the file is exactly as exported (RFC 8785 canonical form) and every signature in it: a joint
            statement's co-signatures; a vote result's chair signature and every member's ballot, recounting the
            ballots to the published tally; or an agreement's text and every party's signature of that exact text. The keys inside the file only make it consistent: VERIFIED is printed only
            when every signer is anchored, by --expect ID=FINGERPRINT (a fingerprint you know) or by --directory FILE
            (from `entente directory export` on your own node). Otherwise the unanchored signers are named and the
            command fails.

            With the file's transparency-log proof (FILE.tlog-proof, written when it was exported, or --proof), it
            also checks that the exporting node's log holds this exact file under a checkpoint signed by that node's
            anchored key and cosigned by a quorum of witnesses (from --directory, or a C2SP tlog-policy file given
            with --policy), and says what that proves and what it does not. A proof of equivocation (from `entente log
            status --json`) is checked against the key anchored for its log. Exits non-zero if anything does not verify.
            """
    )
    @Argument(help: "The statement or result file.") var file: String
    @Option(name: .customLong("expect"), help: "A signer's known fingerprint, ID=FINGERPRINT (repeatable).") var expected: [String] = []
    @Option(help: "A directory exported by `entente directory export`: the fingerprints and keys your node pinned.") var directory: String?
    @Option(help: "The file's transparency-log proof (default: FILE.tlog-proof, when there is one).") var proof: String?
    @Option(help: "A C2SP tlog-policy file: the logs and witnesses to trust and the quorum (default: from --directory).") var policy: String?
    @Option(help: "Witnesses needed when the policy comes from --directory (default: a majority).") var quorum: Int?
    @Flag(help: "Print JSON.") var json = false

    /// What a verified file says, whichever kind it is.
    struct Verified {
        var title: String
        var summary: String
        var signers: [(participant: ParticipantID, fingerprint: Fingerprint, role: String)]
    }

    func run() throws {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw ExitError("cannot read \(file): \(error.localizedDescription)")
        }
        if let equivocation = OfflineEquivocationCheck.check(bytes, policy: policy, anchors: try loadDirectory()) {
            return print(try equivocation.get())
        }
        let verified: Verified
        do { verified = try Self.verify(bytes) } catch { throw ExitError("NOT VERIFIED: \(error)") }
        var mismatches: [String] = []
        var anchors = try loadDirectory()
        for (id, text) in try pairs(expected, "--expect ID=FINGERPRINT") {
            guard let participant = ParticipantID(id), let fingerprint = Fingerprint(text) else {
                throw ExitError("--expect \(id)=\(text): not ID=FINGERPRINT (30 digits)")
            }
            guard let signer = verified.signers.first(where: { $0.participant == participant }) else {
                mismatches.append("\(id) did not sign")
                continue
            }
            if fingerprint != signer.fingerprint { mismatches.append("\(id) signed with fingerprint \(signer.fingerprint), not \(fingerprint)") }
            anchors.add(participant, fingerprint)
        }
        for signer in verified.signers where !(anchors.fingerprints[signer.participant]?.contains(signer.fingerprint) ?? false) {
            if anchors.fingerprints[signer.participant] == nil {
                mismatches.append(
                    "\(signer.participant) is not anchored: give --expect \(signer.participant)=FINGERPRINT or a --directory that pins it"
                )
            } else if !mismatches.contains(where: { $0.hasPrefix("\(signer.participant) signed") }) {
                mismatches.append("\(signer.participant) signed with fingerprint \(signer.fingerprint), which is not the one anchored for it")
            }
        }
        let proofPath = proof ?? ExportedFile.proofPath(of: file)
        let logCheck: OfflineLogCheck? =
            proof != nil || FileManager.default.fileExists(atPath: proofPath)
            ? OfflineLogCheck.check(bytes: bytes, proofPath: proofPath, policy: policy, anchors: anchors, quorum: quorum) : nil
        // A proof that claims what does not hold fails; one this verifier has no key to check is only said so.
        if let logCheck { mismatches += logCheck.problems.map { "log: " + $0 } }
        if json {
            printJSON([
                "verified": .bool(mismatches.isEmpty), "title": .string(verified.title), "summary": .string(verified.summary),
                "problems": .array(mismatches.map(JSONValue.string)),
                "log": logCheck.map { $0.json(proofPath: proofPath) } ?? .null,
                "signers": .array(
                    verified.signers.map {
                        [
                            "participant": .string($0.participant.rawValue), "fingerprint": .string($0.fingerprint.description),
                            "role": .string($0.role),
                        ]
                    }
                ),
            ])
        } else {
            print("“\(verified.title)”")
            for signer in verified.signers { print("  signed by \(signer.participant) (\(signer.role))  fingerprint \(signer.fingerprint)") }
            if !verified.summary.isEmpty { print(verified.summary) }
            if let logCheck {
                for line in logCheck.lines { print(line) }
            } else {
                print("No transparency-log proof (\(proofPath)): the file's place in its exporter's record is not proven.")
            }
        }
        guard mismatches.isEmpty else { throw ExitError("NOT VERIFIED: " + mismatches.joined(separator: "; ")) }
        if !json { print("VERIFIED: \(verified.signers.count) signature(s)\(logCheck?.proven == true ? ", logged and witnessed" : "")") }
    }

    func loadDirectory() throws -> TrustAnchors {
        guard let directory else { return TrustAnchors() }
        do {
            return try TrustAnchors(directory: try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: directory)))))
        } catch {
            throw ExitError("cannot read the directory \(directory): \(error)")
        }
    }

    static func verify(_ bytes: [UInt8]) throws -> Verified {
        let type = (try? JSONValue(parsing: bytes))?["type"]?.stringValue
        if type == RecordEntry.documentType {
            let result = try VoteResult(verifying: bytes)
            let keys = Dictionary(
                uniqueKeysWithValues: result.body.members.compactMap { member in (try? PublicKeys(json: member.keys)).map { (member.participant, $0) }
                }
            )
            let hostKeys = try PublicKeys(json: result.body.host.keys)
            return Verified(
                title: "\(result.body.proposalTitle) — \(result.body.forumName)",
                summary:
                    "Result: \(VoteResult.summary(result.tally)) under \(result.call.rule.method.rawValue); \(result.tally.counted.count) ballot(s) counted, \(result.tally.refused.count) refused",
                signers: [(result.host, hostKeys.fingerprint, "chair")]
                    + result.ballots.compactMap { ballot in keys[ballot.author].map { (ballot.author, $0.fingerprint, "ballot") } }
            )
        }
        if type == AgreementFile.documentType {
            let file = try AgreementFile(verifying: bytes)
            let obligations = file.agreement.obligations.map(\.description).filter { !$0.isEmpty }
            return Verified(
                title: file.agreement.title,
                summary: "In force since \(file.state.inForceSince ?? "?"), signed by all \(file.state.parties.count) parties"
                    + (obligations.isEmpty ? "" : "; obligations: " + obligations.joined(separator: "; ")),
                signers: file.state.parties.map { party in
                    (party, file.keys[party]!.fingerprint, party == file.entry.author ? "proposer, party" : "party")
                }
            )
        }
        let statement = try JointStatement(verifying: bytes)
        return Verified(title: statement.title, summary: "", signers: statement.signatures.map { ($0.participant, $0.keys.fingerprint, "co-signer") })
    }
}
