import EntenteProtocol
import Foundation
import Hotline
import Multilateral
import Testing

private func id(_ text: String) -> ParticipantID { ParticipantID(text)! }

/// Signs public or agreement entries with per-participant keys at explicit times.
private struct Writer {
    var keys: [ParticipantID: NodeKeys] = [:]
    var clock = Date(timeIntervalSince1970: 1_795_000_000)

    mutating func sign(_ author: String, _ kind: RecordKind, _ body: some RecordBody, in space: RecordSpace? = .publicRecord) throws -> RecordEntry {
        clock = clock.addingTimeInterval(1)
        let key = keys[id(author)] ?? NodeKeys()
        keys[id(author)] = key
        return try RecordEntry.sign(
            kind,
            body: try body.json,
            in: space,
            author: id(author),
            by: Person(name: "Officer", role: "diplomatic-poc"),
            key: key.signing,
            now: clock
        )
    }
}

@Suite("Agreements set hotline deadlines between their parties only")
struct AgreementTests {
    let text = AgreementText(
        title: "Baltic hotline arrangement",
        text: "The parties acknowledge urgent notifications within 30 minutes.",
        parties: [id("EST"), id("LVA")],
        obligations: [
            Obligation(kind: .acknowledge, priority: .urgent, withinSeconds: 1800, description: "urgent within 30 minutes"),
            Obligation(
                kind: .notifyIncident,
                withinSeconds: 86_400,
                description: "notify incidents affecting the other's critical infrastructure within 24 hours"
            ),
        ]
    )

    @Test("In force only once every party signed the exact text; then only between the parties")
    func deadlines() throws {
        var writer = Writer()
        let proposal = try writer.sign("EST", .agreement, text, in: nil)
        let space = proposal.space
        var entries = [proposal]
        let digest = Digest.sha256(proposal.document.canonicalBytes)
        entries.append(try writer.sign("EST", .agreementSignature, AgreementSignature(agreementDigest: digest), in: space))
        var book = AgreementBook([AgreementState(id: proposal.id, entries: entries)])
        #expect(book.acknowledgementSeconds(priority: .urgent, from: id("EST"), to: id("LVA")) == nil)

        entries.append(try writer.sign("LVA", .agreementSignature, AgreementSignature(agreementDigest: Digest.sha256(of: "another text")), in: space))
        #expect(AgreementState(id: proposal.id, entries: entries).refusals.count == 1)
        entries.append(try writer.sign("LVA", .agreementSignature, AgreementSignature(agreementDigest: digest), in: space))
        entries.append(try writer.sign("FIN", .agreementSignature, AgreementSignature(agreementDigest: digest), in: space))
        let state = AgreementState(id: proposal.id, entries: entries)
        #expect(state.isInForce)
        #expect(state.refusals.map(\.reason).contains { $0.contains("FIN is not a party") })
        book = AgreementBook([state])
        #expect(book.acknowledgementSeconds(priority: .urgent, from: id("EST"), to: id("LVA")) == 1800)
        #expect(book.acknowledgementSeconds(priority: .urgent, from: id("LVA"), to: id("EST")) == 1800)
        #expect(book.acknowledgementSeconds(priority: .flash, from: id("EST"), to: id("LVA")) == nil)
        #expect(book.acknowledgementSeconds(priority: .urgent, from: id("EST"), to: id("FIN")) == nil)
        #expect(book.acknowledgementSeconds(priority: .urgent, from: id("FIN"), to: id("LVA")) == nil)
    }

    @Test("Obligations are machine-checked")
    func obligationBounds() {
        var bad = text
        bad.obligations = [Obligation(kind: .acknowledge, withinSeconds: 1800, description: "")]
        #expect(throws: DocumentError.self) { try bad.validate() }
        bad.obligations = [Obligation(kind: .acknowledge, priority: .flash, withinSeconds: 5, description: "")]
        #expect(throws: DocumentError.self) { try bad.validate() }
        bad = text
        bad.parties = [id("EST")]
        #expect(throws: DocumentError.self) { try bad.validate() }
    }

    /// The agreement signed by EST and LVA, with FIN's signature refused, and each party's keys.
    private func signed() throws -> (state: AgreementState, keys: [ParticipantID: PublicKeys], writer: Writer) {
        var writer = Writer()
        let proposal = try writer.sign("EST", .agreement, text, in: nil)
        let digest = Digest.sha256(proposal.document.canonicalBytes)
        var entries = [proposal]
        for party in ["EST", "LVA", "FIN"] {
            entries.append(try writer.sign(party, .agreementSignature, AgreementSignature(agreementDigest: digest), in: proposal.space))
        }
        let keys = writer.keys.mapValues(\.publicKeys)
        return (AgreementState(id: proposal.id, entries: entries), keys, writer)
    }

    /// `file`'s JSON with `change` applied, in canonical form again: an edit made with care, not a flipped byte.
    private func edited(_ file: AgreementFile, _ change: (inout [String: JSONValue]) throws -> Void) throws -> [UInt8] {
        var members = try JSONValue(parsing: file.fileBytes).objectValue!
        try change(&members)
        return JSONValue.object(members).canonicalBytes
    }

    @Test("An agreement in force exports to a file that verifies from its own content, without the refused signature")
    func exportedFile() throws {
        let (state, keys, _) = try signed()
        let file = try AgreementFile(state, keys: keys)
        let verified = try AgreementFile(verifying: file.fileBytes)
        #expect(verified.state.signedBy == [id("EST"), id("LVA")])
        #expect(verified.agreement == text)
        #expect(Set(verified.keys.keys) == [id("EST"), id("LVA")])
        #expect(verified.keys[id("LVA")]?.fingerprint == keys[id("LVA")]?.fingerprint)
    }

    @Test("An agreement awaiting a signature, or a party whose keys are unknown, cannot be exported")
    func notExportable() throws {
        var writer = Writer()
        let proposal = try writer.sign("EST", .agreement, text, in: nil)
        let digest = Digest.sha256(proposal.document.canonicalBytes)
        let half = AgreementState(
            id: proposal.id,
            entries: [proposal, try writer.sign("EST", .agreementSignature, AgreementSignature(agreementDigest: digest), in: proposal.space)]
        )
        #expect(throws: DocumentError.refused("agreement \(proposal.id) is not in force: it awaits the signature of LVA")) {
            try AgreementFile(half, keys: writer.keys.mapValues(\.publicKeys))
        }
        let (state, keys, _) = try signed()
        #expect(throws: DocumentError.refused("the keys of LVA are not pinned on this node")) {
            try AgreementFile(state, keys: keys.filter { $0.key != id("LVA") })
        }
    }

    /// The keys in the file are signed by nothing in it: a verifier anchors them by fingerprint. So a changed
    /// byte either breaks the file or changes a party's fingerprint, which the verifier's own pins then refuse.
    @Test("Changing any byte of the file fails verification or changes a party's fingerprint")
    func anyByte() throws {
        let (state, keys, _) = try signed()
        let bytes = try AgreementFile(state, keys: keys).fileBytes
        for index in stride(from: 0, to: bytes.count, by: 3) {
            var altered = bytes
            altered[index] ^= 0x01
            guard let file = try? AgreementFile(verifying: altered) else { continue }
            #expect(file.keys.contains { keys[$0.key]?.fingerprint != $0.value.fingerprint }, "byte \(index) changed nothing a verifier checks")
        }
    }

    @Test("A hostile exporter cannot drop a party's signature, swap its keys, or change the text the parties signed")
    func hostileEdits() throws {
        let (state, keys, writer) = try signed()
        let file = try AgreementFile(state, keys: keys)
        let dropped = try edited(file) { $0["signatures"] = .array(Array($0["signatures"]!.arrayValue!.prefix(1))) }
        #expect(throws: DocumentError.invalid("not every party signed: LVA did not")) { try AgreementFile(verifying: dropped) }

        let swapped = try edited(file) { members in
            members["parties"] = .array(
                members["parties"]!.arrayValue!.map { party in
                    party["participant"] == "LVA" ? ["participant": "LVA", "keys": NodeKeys().publicKeys.json] : party
                }
            )
        }
        #expect(throws: DocumentError.invalid("the entry of LVA does not verify with its keys: it was altered")) {
            try AgreementFile(verifying: swapped)
        }

        // The proposer rewrites the text and re-signs it: the other party's signature names the old text's digest.
        var rewritten = text
        rewritten.obligations = []
        var rewriter = writer
        let forged = try rewriter.sign("EST", .agreement, rewritten, in: nil)
        let rewrittenFile = try edited(file) { $0["agreement"] = forged.document }
        #expect(throws: DocumentError.self) { try AgreementFile(verifying: rewrittenFile) }
    }
}

@Suite("Norms, confidence-building measures and capacity building")
struct PublicRecordTests {
    @Test("The catalogues ship the GGE's eleven norms, the Paris Call's nine principles and the OSCE's sixteen measures")
    func catalogues() {
        #expect(NormCatalogue.shipped.filter { $0.code.hasPrefix("gge2015-13") }.map { $0.code.last! } == Array("abcdefghijk"))
        #expect(NormCatalogue.shipped.filter { $0.code.hasPrefix("paris-") }.count == 9)
        #expect(MeasureCatalogue.shipped.map(\.number) == Array(1...16))
        #expect(MeasureCatalogue.measure(MeasureCatalogue.pointsOfContact)?.title.contains("contact point") == true)
    }

    @Test("The norms matrix shows commitments and the cases alleging breaches")
    func normsMatrix() throws {
        var writer = Writer()
        let caseID = UUIDv7.string(UUIDv7.generate())
        let entries = [
            try writer.sign("EST", .commitment, Commitment(norm: "gge2015-13f", date: "2015-12-23", document: "UNGA resolution 70/237")),
            try writer.sign("EST", .commitment, Commitment(norm: "gge2015-13f", date: "2021-05-25", document: "OEWG final report")),
            try writer.sign(
                "LVA",
                .norm,
                NormDefinition(
                    code: "baltic-2026",
                    title: "Baltic notification norm",
                    text: "Notify within 24 hours.",
                    source: "Riga declaration",
                    scope: .regional
                )
            ),
            try writer.sign("LVA", .commitment, Commitment(norm: "baltic-2026", date: "2026-01-10", document: "Riga declaration")),
            try writer.sign("EST", .allegation, Allegation(norm: "gge2015-13f", caseReference: caseID, against: "XYZ", note: "bank ransomware")),
            try writer.sign("EST", .commitment, Commitment(norm: "no-such-norm", date: "2026-01-10", document: "x")),
        ]
        let record = PublicRecord(entries: entries)
        #expect(record.refusals.count == 1)
        let matrix = NormsMatrix(record: record, participants: [id("EST"), id("LVA"), id("LTU")])
        #expect(matrix.participants.map(\.rawValue) == ["EST", "LTU", "LVA", "XYZ"])
        #expect(matrix.cell(id("EST"), "gge2015-13f").commitment?.body.date == "2015-12-23")
        #expect(matrix.cell(id("LVA"), "baltic-2026").commitment != nil)
        #expect(matrix.cell(id("XYZ"), "gge2015-13f").allegations.map(\.body.caseReference) == [caseID])
        #expect(matrix.norms.count == NormCatalogue.shipped.count + 1)
    }

    @Test("CBM status: the latest per participant and measure; evidence required for implemented")
    func measures() throws {
        var writer = Writer()
        let record = PublicRecord(entries: [
            try writer.sign("EST", .cbmStatus, MeasureStatus(measure: 8, status: .inProgress, evidence: "")),
            try writer.sign("EST", .cbmStatus, MeasureStatus(measure: 8, status: .implemented, evidence: "PoC list submitted 2026-03")),
        ])
        #expect(record.status(of: id("EST"), measure: 8)?.body.status == .implemented)
        #expect(throws: DocumentError.self) { try MeasureStatus(measure: 8, status: .implemented, evidence: "").validate() }
        #expect(throws: DocumentError.self) { try MeasureStatus(measure: 17, status: .planned, evidence: "").validate() }
    }

    @Test("Capacity building: offers matched to requests and tracked to completion")
    func capacity() throws {
        var writer = Writer()
        let request = try writer.sign(
            "MDA",
            .capacityRequest,
            CapacityRequest(
                topic: .incidentManagement,
                region: .europe,
                languages: ["ro", "en"],
                format: .inPerson,
                funding: .funded,
                description: "CSIRT training"
            )
        )
        let unfunded = try writer.sign(
            "EST",
            .capacityOffer,
            CapacityOffer(
                topics: [.incidentManagement],
                regions: [.europe],
                languages: ["en"],
                formats: [.remote],
                funding: .selfFunded,
                description: "Remote mentoring"
            )
        )
        let good = try writer.sign(
            "EU",
            .capacityOffer,
            CapacityOffer(
                topics: [.incidentManagement, .cybercrime],
                regions: [.europe],
                languages: ["en", "fr"],
                formats: [.inPerson],
                funding: .funded,
                description: "Two-week CSIRT course"
            )
        )
        let global = try writer.sign(
            "UN",
            .capacityOffer,
            CapacityOffer(
                topics: [.incidentManagement],
                regions: [.global],
                languages: ["en"],
                formats: [.remote],
                funding: .funded,
                description: "Online course"
            )
        )
        var entries = [request, unfunded, good, global]
        let record = PublicRecord(entries: entries)
        let suggestions = record.suggestions(for: record.requests[0]).map(\.offer.id)
        #expect(suggestions == [good.id, global.id])

        let mismatch = try writer.sign("MDA", .capacityMatch, CapacityMatch(request: request.id, offer: unfunded.id))
        let match = try writer.sign("MDA", .capacityMatch, CapacityMatch(request: request.id, offer: good.id))
        let selfAgreed = try writer.sign("MDA", .capacityProgress, CapacityProgress(match: match.id, status: .agreed, note: ""))
        let tooEarly = try writer.sign("EU", .capacityProgress, CapacityProgress(match: match.id, status: .completed, note: ""))
        let bystander = try writer.sign("UN", .capacityProgress, CapacityProgress(match: match.id, status: .withdrawn, note: ""))
        entries += [mismatch, match, selfAgreed, tooEarly, bystander]
        entries.append(try writer.sign("EU", .capacityProgress, CapacityProgress(match: match.id, status: .agreed, note: "dates set")))
        entries.append(try writer.sign("EU", .capacityProgress, CapacityProgress(match: match.id, status: .inProgress, note: "")))
        entries.append(try writer.sign("MDA", .capacityProgress, CapacityProgress(match: match.id, status: .completed, note: "12 analysts trained")))
        let tracked = PublicRecord(entries: entries)
        #expect(tracked.matches.map(\.status) == [.completed])
        #expect(Set(tracked.refusals.map(\.entry.id)) == [mismatch.id, selfAgreed.id, tooEarly.id, bystander.id])
    }
}

@Suite("Drill scenarios and after-action reports")
struct DrillTests {
    @Test("Response times and timeliness come from what was recorded")
    func report() {
        let t0: Int64 = 1_795_000_000_000
        let report = AfterActionReport(deliveries: [
            .init(
                inject: 1,
                recipient: id("LVA"),
                subject: "Inject 1",
                dueAt: t0,
                sentAt: t0 + 20,
                messageID: "a",
                acknowledgeBy: t0 + 900_000,
                acknowledgedAt: t0 + 60_020
            ),
            .init(
                inject: 1,
                recipient: id("LTU"),
                subject: "Inject 1",
                dueAt: t0,
                sentAt: t0 + 20,
                messageID: "b",
                acknowledgeBy: t0 + 900_000,
                acknowledgedAt: t0 + 1_000_020
            ),
            .init(
                inject: 2,
                recipient: id("LVA"),
                subject: "Inject 2",
                dueAt: t0 + 600_000,
                sentAt: t0 + 600_010,
                messageID: "c",
                acknowledgeBy: t0 + 1_500_010,
                acknowledgedAt: t0 + 720_010
            ),
            .init(inject: 2, recipient: id("LTU"), subject: "Inject 2", dueAt: t0 + 600_000),
        ])
        #expect(report.sent == 3)
        #expect(report.answered == 3)
        let lva = report.participants.first { $0.participant == id("LVA") }!
        #expect((lva.answered, lva.answeredInTime, lva.medianResponseMilliseconds, lva.slowestResponseMilliseconds) == (2, 2, 60_000, 120_000))
        let ltu = report.participants.first { $0.participant == id("LTU") }!
        #expect((ltu.injects, ltu.answered, ltu.answeredInTime) == (2, 1, 0))
        #expect(report.deliveries[0].sendDelayMilliseconds == 20)
    }

    @Test("Scenarios are bounded")
    func bounds() {
        #expect(throws: DocumentError.self) { try DrillScenario(name: "x", injects: []).validate() }
        #expect(throws: DocumentError.self) {
            try DrillScenario(name: "x", injects: [.init(offsetSeconds: -1, to: [id("LVA")], priority: .urgent, subject: "s", body: "")]).validate()
        }
    }
}
