import Cases
import EntenteProtocol
import Foundation
import Hotline
import Intelligence
import Multilateral
import SQLKit
import Storage
import TestSupport
import Testing

@testable import Federation
@testable import Node

/// The adversary is a participant: a pinned peer, a forum's chair, a TAXII partner or an
/// outsider, speaking the wire format with its own implementation (docs/PROTOCOL.md) and the
/// keys it really holds. Every test asserts that the attack fails *and* that the honest
/// traffic around it still gets through: an attack that fails only because the adversary
/// could not talk at all proves nothing.
@Suite("A hostile participant", .serialized)
struct HostileParticipantTests {
    static let diplomat = CaseEvent.Person(name: "Cyber desk", role: "diplomatic-poc")
    static func later(_ seconds: TimeInterval) -> String { Timestamp.format(Date().addingTimeInterval(seconds)) }

    /// Builds and posts documents as the participant whose keys it holds, bypassing its node.
    struct Adversary {
        let id: ParticipantID
        let keys: NodeKeys

        init(_ node: TestNode) { self.init(id: node.id, keys: node.server.identity.keys) }

        init(id: ParticipantID, keys: NodeKeys) {
            self.id = id
            self.keys = keys
        }

        func envelope(
            _ payload: JSONValue,
            type: String,
            to target: TestNode,
            id envelopeID: String? = nil,
            exercise: Bool = false
        ) throws -> Envelope {
            try Envelope.seal(
                payload: payload,
                type: type,
                from: id,
                signingKey: keys.signing,
                to: [(target.id, target.server.identity.keys.agreement.publicKey)],
                tlp: .amber,
                exercise: exercise,
                id: envelopeID ?? UUIDv7.string(UUIDv7.generate()),
                createdAt: Timestamp.format(Date())
            )
        }

        func message(_ subject: String, body: String = "", to target: TestNode, id envelopeID: String? = nil) throws -> Envelope {
            let message = HotlineMessage(
                template: .freeText,
                priority: .urgent,
                subject: subject,
                body: body,
                acknowledgeBy: HostileParticipantTests.later(900)
            )
            return try envelope(try JSONValue(encoding: message), type: HotlineMessage.envelopeType, to: target, id: envelopeID)
        }

        func caseEvents(_ events: [CaseEvent], to target: TestNode) throws -> Envelope {
            try envelope(["events": .array(events.map(\.document))], type: CaseEnvelopes.envelopeType, to: target)
        }

        func recordEntries(_ entries: [RecordEntry], to target: TestNode) throws -> Envelope {
            try envelope(["entries": .array(entries.map(\.document))], type: RecordEnvelopes.envelopeType, to: target)
        }

        /// A document of this adversary's, signed with its own key.
        func resign(_ document: JSONValue, changing changes: [String: JSONValue]) throws -> JSONValue {
            var members = document.removing("signature").objectValue ?? [:]
            for (name, value) in changes { members[name] = value }
            return try DocumentSignature.sign(.object(members), with: keys.signing)
        }
    }

    static func post(_ envelope: Envelope, to target: TestNode) async throws -> HTTPExchange {
        try await post(envelope.json.canonicalString, to: target)
    }

    static func post(_ wire: String, to target: TestNode) async throws -> HTTPExchange {
        try await http(.POST, target.url + "/federation/v1/envelopes", body: wire, headers: [("Content-Type", "application/json")])
    }

    static func lastError(of envelopeID: String, to recipient: ParticipantID, at node: TestNode) async throws -> String? {
        try await node.server.store.database.sql.value(
            "SELECT last_error FROM outbox WHERE envelope_id = \(bind: envelopeID) AND recipient = \(bind: recipient.rawValue)",
            as: String.self
        )
    }

    // MARK: Ids

    /// Finland, a co-recipient of Latvia's message, races Latvia's delivery to Estonia with its
    /// own envelope under Latvia's id. Estonia holds Finland's envelope as Finland's, refuses
    /// Latvia's as an id conflict and signs no receipt for Latvia's digest; Latvia's node does
    /// not show it delivered. Latvia's next message, and Latvia's copy to Finland, get through.
    @Test func aSquattedEnvelopeIdGetsNoReceiptForTheHonestSender() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "FIN"]) { node in
            // Latvia retries late, so the test alone decides who reaches Estonia first.
            if node.id.rawValue == "LVA" { node.options.retry = .init(initial: .seconds(120), maximum: .seconds(120)) }
        }
        defer { Task { await federation.stop() } }
        let (estonia, latvia, finland) = (federation["EST"], federation["LVA"], federation["FIN"])
        let adversary = Adversary(finland)

        await estonia.stop()
        let id = try await latvia.service.send(
            .init(to: [estonia.id, finland.id], template: .freeText, priority: .urgent, subject: "Genuine"),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Finland holds Latvia's message") { try await finland.server.store.message(id) != nil }
        try await eventually("Latvia's first attempt to reach Estonia failed") { try await Self.lastError(of: id, to: estonia.id, at: latvia) != nil }
        try await estonia.start()

        let squat = try adversary.message("Planted", to: estonia, id: id)
        let first = try await Self.post(squat, to: estonia)
        #expect(first.status == 200, "Finland's own envelope is stored, as Finland's: \(first.body)")
        let replay = try await Self.post(squat, to: estonia)
        #expect(replay.status == 200 && replay.body == first.body, "a byte-identical replay is answered with the original receipt")
        let genuine = try #require(
            try await latvia.server.store.database.sql.value("SELECT wire FROM envelopes WHERE id = \(bind: id)", as: String.self)
        )
        let refused = try await Self.post(genuine, to: estonia)
        #expect(refused.status == 409 && refused.json?["error"]?.stringValue == "id_conflict", "\(refused.body)")
        #expect(refused.json?["digest"] == nil && refused.json?["signature"] == nil, "no receipt of any kind")

        try await latvia.server.store.retryOutboxNow(recipient: estonia.id.rawValue, now: Date())
        await latvia.service.outbox.wake()
        try await eventually("Latvia's own delivery attempt is refused") {
            try await Self.lastError(of: id, to: estonia.id, at: latvia)?.contains("id_conflict") == true
        }
        let deliveries = try #require(try await latvia.server.store.message(id)).deliveries
        #expect(deliveries.first { $0.recipient == "EST" }?.deliveredAt == nil, "Latvia's node does not show it delivered to Estonia")
        #expect(deliveries.first { $0.recipient == "FIN" }?.deliveredAt != nil)
        let held = try #require(try await estonia.server.store.message(id))
        #expect(held.sender == "FIN" && held.content.subject == "Planted")

        let next = try await latvia.service.send(
            .init(to: [estonia.id], template: .freeText, priority: .urgent, subject: "Honest traffic"),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Latvia's next message reaches Estonia") { try await estonia.server.store.message(next)?.sender == "LVA" }
    }

    /// An event that waits for missing predecessors is kept only in a case this node holds, from
    /// a participant it knows of, and only so many per author: nothing else can park documents
    /// (or squat ids) on a node. The honest participant's events keep arriving.
    @Test func eventsWaitOnlyInHeldCasesFromParticipantsAndWithinABound() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "FIN"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, finland) = (federation["EST"], federation["LVA"], federation["FIN"])
        let (fin, lva) = (Adversary(finland), Adversary(latvia))
        let cases = estonia.server.cases
        let caseID = try await cases.open(
            .init(
                title: "Outage",
                summary: "DNS down",
                sectors: [.banking],
                impact: .high,
                firstSeen: Self.later(0),
                status: .ongoing,
                tlp: .amber
            ),
            by: Self.diplomat
        ).caseID
        let notification = try await cases.record(
            .notification(.init(participants: [latvia.id], message: "m", respondBy: Self.later(3600))),
            in: caseID,
            by: Self.diplomat
        )
        try await eventually("Latvia holds the case") { try await latvia.server.store.caseEvents(caseID).count == 2 }
        let envelopesBefore = try await estonia.server.store.envelopeCount()
        let evidence = CaseAction.evidence(.init(description: "planted", indicators: [.init(type: "domain-name", value: "x.example")], tlp: .green))
        let missing = UUIDv7.string(UUIDv7.generate())

        // A case that exists nowhere.
        let madeUpCase = UUIDv7.string(UUIDv7.generate())
        let parked = try CaseEvent.sign(
            evidence,
            caseID: madeUpCase,
            owner: estonia.id,
            author: finland.id,
            after: [missing],
            by: Self.diplomat,
            key: fin.keys.signing
        )
        let nowhere = try await Self.post(try fin.caseEvents([parked], to: estonia), to: estonia)
        #expect(nowhere.status == 409 && nowhere.json?["error"]?.stringValue == "awaiting_history", "\(nowhere.body)")
        #expect(try await estonia.server.store.caseEvents(madeUpCase).isEmpty)

        // Estonia's real case, which Finland takes no part in.
        let intruding = try CaseEvent.sign(
            evidence,
            caseID: caseID,
            owner: estonia.id,
            author: finland.id,
            after: [missing],
            by: Self.diplomat,
            key: fin.keys.signing
        )
        let outsider = try await Self.post(try fin.caseEvents([intruding], to: estonia), to: estonia)
        #expect(outsider.status == 409 && outsider.json?["error"]?.stringValue == "awaiting_history", "\(outsider.body)")

        // Latvia takes part, but floods the case with events that can never fit.
        let flood = try (0...CaseEventIntake.maximumWaitingPerAuthor).map { n in
            try CaseEvent.sign(
                .evidence(.init(description: "flood \(n)", indicators: [.init(type: "domain-name", value: "f\(n).example")], tlp: .green)),
                caseID: caseID,
                owner: estonia.id,
                author: latvia.id,
                after: [missing],
                by: Self.diplomat,
                key: lva.keys.signing
            )
        }
        let flooded = try await Self.post(try lva.caseEvents(flood, to: estonia), to: estonia)
        #expect(flooded.status == 429 && flooded.json?["error"]?.stringValue == "quota_exceeded", "\(flooded.body)")
        #expect(try await estonia.server.store.caseEvents(caseID).count == 2, "nothing of the refused envelopes was stored")
        #expect(try await estonia.server.store.envelopeCount() == envelopesBefore)

        // Latvia's honest acknowledgement, and an event of its that waits for one on its way, are kept.
        let acknowledgement = try await latvia.server.cases.record(
            .acknowledgement(.init(notification: notification.id)),
            in: caseID,
            by: Self.diplomat
        )
        try await eventually("Estonia holds Latvia's acknowledgement") {
            try await estonia.server.store.caseEvents(caseID).contains { $0.id == acknowledgement.id }
        }
        let early = try CaseEvent.sign(
            evidence,
            caseID: caseID,
            owner: estonia.id,
            author: latvia.id,
            after: [missing],
            by: Self.diplomat,
            key: lva.keys.signing
        )
        let waits = try await Self.post(try lva.caseEvents([early], to: estonia), to: estonia)
        #expect(waits.status == 200, "\(waits.body)")
        #expect(try await cases.state(caseID).waiting.map(\.id) == [early.id])
    }

    /// A record entry under an id the node already holds for another document is refused,
    /// whoever wrote either; the entry held first stays.
    @Test func aRecordEntryCannotTakeTheIdOfAnotherEntry() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "FIN"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, finland) = (federation["EST"], federation["LVA"], federation["FIN"])
        let fin = Adversary(finland)
        let commitment = try Commitment(norm: "gge2015-13a", date: "2015-12-23", document: "UN General Assembly resolution 70/237").json
        let honest = try await latvia.server.records.write(.commitment, body: commitment, in: nil, by: RecordFederationTests.delegate)
        try await eventually("Estonia holds Latvia's commitment") {
            try await estonia.server.store.recordEntries(in: .publicRecord).contains { $0.id == honest.id }
        }

        let squat = try RecordEntry(document: try fin.resign(honest.document, changing: ["author": .string(finland.id.rawValue)]))
        let response = try await Self.post(try fin.recordEntries([squat], to: estonia), to: estonia)
        #expect(response.status == 409 && response.json?["error"]?.stringValue == "id_conflict", "\(response.body)")
        let held = try await estonia.server.store.recordEntries(in: .publicRecord).filter { $0.id == honest.id }
        #expect(held.map(\.author) == [latvia.id])

        let own = try await finland.server.records.write(.commitment, body: commitment, in: nil, by: RecordFederationTests.delegate)
        try await eventually("Finland's own commitment still reaches Estonia") {
            try await estonia.server.store.recordEntries(in: .publicRecord).contains { $0.id == own.id }
        }
    }

    // MARK: Keys

    /// The chair publishes a result that lists a fresh key as Latvia's and an objection signed
    /// with it. The file is consistent, so it verifies on its own; every member's node checks
    /// each key against its own pins and refuses it. The honest result is accepted afterwards.
    @Test func aChairCannotForgeAMembersBallot() async throws {
        let federation = try await TestFederation.start(["OSCE", "EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (osce, estonia, latvia) = (federation["OSCE"], federation["EST"], federation["LVA"])
        let chair = Adversary(osce)
        let delegate = RecordFederationTests.delegate
        let t0 = Date().addingTimeInterval(-5)
        func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

        let charter = ForumCharter(name: "Working group", mandate: "CBMs", members: [estonia.id, latvia.id])
        let forumID = try await osce.server.records.write(.forum, body: try charter.json, in: nil, by: delegate, now: at(0)).id
        try await eventually("the members hold the forum") {
            let estonian = try? await estonia.server.records.forum(forumID)
            let latvian = try? await latvia.server.records.forum(forumID)
            return estonian != nil && latvian != nil
        }
        let space = RecordSpace.forum(forumID)
        let proposalID = try await estonia.server.records.write(
            .proposal,
            body: try Proposal(title: "Norm", category: .statement, text: "We agree.").json,
            in: space,
            by: delegate,
            now: at(1)
        ).id
        try await eventually("the chair holds the proposal") { try await osce.server.records.forum(forumID).proposal(proposalID) != nil }
        let version = try await osce.server.records.forum(forumID).proposal(proposalID)!.current
        let call = VoteCall(
            proposal: proposalID,
            version: 1,
            textDigest: version.digest,
            rule: DecisionRule(method: .simpleMajority, quorumPercent: 50),
            deadline: Timestamp.format(at(60))
        )
        let callEntry = try await osce.server.records.write(.voteCall, body: try call.json, in: space, by: delegate, now: at(2))
        try await eventually("the members hold the call") { try await estonia.server.records.forum(forumID).proposal(proposalID)?.call != nil }

        let impostor = NodeKeys()
        let forgedBallot = try RecordEntry.sign(
            .ballot,
            body: try Ballot(call: callEntry.id, textDigest: version.digest, choice: .no).json,
            in: space,
            author: latvia.id,
            by: delegate,
            key: impostor.signing,
            now: at(10)
        )
        let body = try VoteResult.body(
            forumName: charter.name,
            proposalTitle: "Norm",
            text: version.text,
            callEntry: callEntry,
            host: .init(participant: osce.id, keys: chair.keys.publicKeys),
            members: [
                .init(participant: estonia.id, keys: estonia.server.identity.keys.publicKeys),
                .init(participant: latvia.id, keys: impostor.publicKeys),
            ],
            ballots: [forgedBallot]
        )
        let forged = try RecordEntry.sign(
            .result,
            body: try body.json,
            in: space,
            author: osce.id,
            by: delegate,
            key: chair.keys.signing,
            now: at(61)
        )
        let file = try VoteResult(verifying: forged.document.canonicalBytes)
        #expect(file.tally.no == 1, "on its own the file is consistent: only anchoring the keys exposes it")
        let anchors = await estonia.server.service.peers.anchors(with: estonia.server.identity)
        #expect(anchors.problem(with: latvia.id, impostor.publicKeys) != nil)
        #expect(anchors.problem(with: osce.id, chair.keys.publicKeys) == nil)

        for member in [estonia, latvia] {
            let response = try await Self.post(try chair.recordEntries([forged], to: member), to: member)
            #expect(response.status == 403 && response.json?["error"]?.stringValue == "unanchored_key", "\(member.id): \(response.body)")
            #expect(try await member.server.records.forum(forumID).proposal(proposalID)?.result == nil)
        }

        try await estonia.server.records.vote(in: forumID, call: callEntry.id, choice: .yes, by: delegate, now: at(10))
        try await latvia.server.records.vote(in: forumID, call: callEntry.id, choice: .yes, by: delegate, now: at(11))
        for member in [estonia, latvia] {
            try await member.service.store.retryOutboxNow(now: Date())
            await member.service.outbox.wake()
        }
        try await eventually("the chair holds both ballots") { try await osce.server.records.forum(forumID).proposal(proposalID)?.ballots.count == 2 }
        try await osce.server.records.publishResult(in: forumID, call: callEntry.id, by: delegate, now: at(61))
        try await osce.service.store.retryOutboxNow(now: Date())
        await osce.service.outbox.wake()
        try await eventually("the members hold the honest result") {
            let estonian = try await estonia.server.records.forum(forumID).proposal(proposalID)?.result
            let latvian = try await latvia.server.records.forum(forumID).proposal(proposalID)?.result
            return estonian?.tally.yes == 2 && latvian?.tally.yes == 2
        }
    }

    /// A flood of junk that names Latvia as its sender costs Latvia nothing: the sender's budget
    /// is charged only once its signature verifies.
    @Test func junkInAPeersNameDoesNotSpendThatPeersBudget() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"]) { node in node.options.peerRateLimit = .init(rate: 0.5, burst: 3) }
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let outsider = Adversary(id: latvia.id, keys: NodeKeys())
        for n in 0..<10 {
            let response = try await Self.post(try outsider.message("junk \(n)", to: estonia), to: estonia)
            #expect(response.status == 401 && response.json?["error"]?.stringValue == "bad_signature", "\(response.body)")
        }
        let id = try await latvia.service.send(
            .init(to: [estonia.id], template: .freeText, priority: .urgent, subject: "Real"),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Latvia's real message gets through") { try await estonia.server.store.message(id) != nil }
        #expect(try await Self.lastError(of: id, to: estonia.id, at: latvia) == nil, "delivered at the first attempt, never refused with 429")
    }

    /// Anyone can reach the node's port: a client trickling a request (slowloris) is cut off at
    /// the header deadline, and an honest request on another connection is served meanwhile.
    @Test func aClientTricklingItsRequestIsCutOff() async throws {
        let federation = try await TestFederation.start(["EST"]) { node in
            node.options.requestHeaderTimeout = .milliseconds(300)
            node.options.requestBodyTimeout = .milliseconds(300)
        }
        defer { Task { await federation.stop() } }
        let estonia = federation["EST"]
        for partial in ["GET /health HTTP/1.1\r\nHost: x\r\n", "POST /federation/v1/envelopes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"] {
            let socket = try Self.connect(port: estonia.port)
            defer { close(socket) }
            _ = partial.withCString { send(socket, $0, strlen($0), 0) }
            let honest = try await http(.GET, estonia.url + "/health")
            #expect(honest.status == 200)
            // The server closes the connection: recv returns 0 (end of stream) rather than blocking for ever.
            var buffer = [UInt8](repeating: 0, count: 512)
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var received = 0
            repeat { received = recv(socket, &buffer, buffer.count, 0) } while received > 0
            #expect(received == 0, "closed by the node, not left open until our own 10 s timeout (errno \(errno))")
        }
    }

    /// A pinned peer that accepts connections and never answers holds its own share of the
    /// outbox's delivery slots only: Latvia's message goes out while Finland's are still hanging.
    @Test func aPeerThatNeverAnswersDoesNotStarveTheOthers() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "FIN"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, finland) = (federation["EST"], federation["LVA"], federation["FIN"])
        await finland.stop()
        let tarpit = try Self.listen(port: finland.port)
        defer { close(tarpit) }
        for n in 0..<40 {
            _ = try await estonia.service.send(
                .init(to: [finland.id], template: .freeText, priority: .routine, subject: "to the tarpit \(n)"),
                composedBy: nil,
                role: .diplomaticPOC
            )
        }
        let id = try await estonia.service.send(
            .init(to: [latvia.id], template: .freeText, priority: .urgent, subject: "Honest"),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Latvia's message is delivered") { try await latvia.server.store.message(id) != nil }
        let failed = try await estonia.server.store.database.sql.value(
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'FIN' AND attempts > 0",
            as: Int64.self
        )
        #expect(failed == 0, "Finland's deliveries were all still waiting for an answer when Latvia's went out")
    }

    /// A socket that accepts connections (the kernel completes them) and never reads or answers.
    static func listen(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound, Glibc.listen(socket, 128) == 0 else { throw POSIXError(.EADDRINUSE) }
        return socket
    }

    static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw POSIXError(.ECONNREFUSED) }
        return socket
    }

    /// A pinned peer cannot fill the node's disk: past its quota its envelopes are refused with
    /// `quota_exceeded`, and the other peers' still arrive.
    @Test func aPeerStoresNoMoreThanItsQuota() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "FIN"]) { node in node.options.peerStorageQuota = 16 << 10 }
        defer { Task { await federation.stop() } }
        let (estonia, latvia, finland) = (federation["EST"], federation["LVA"], federation["FIN"])
        let flooder = Adversary(finland)
        var statuses: [Int] = []
        for n in 0..<40 {
            statuses.append(
                try await Self.post(try flooder.message("flood \(n)", body: String(repeating: "x", count: 500), to: estonia), to: estonia).status
            )
        }
        #expect(statuses.contains(200) && statuses.last == 429, "\(statuses)")
        let refused = try await Self.post(try flooder.message("one more", to: estonia), to: estonia)
        #expect(refused.json?["error"]?.stringValue == "quota_exceeded", "\(refused.status) \(refused.body)")
        #expect(try await estonia.server.store.storedBytes(from: finland.id) <= 16 << 10)
        let id = try await latvia.service.send(
            .init(to: [estonia.id], template: .freeText, priority: .urgent, subject: "Honest"),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Latvia's message still arrives") { try await estonia.server.store.message(id) != nil }
    }

    // MARK: Intelligence

    /// A TAXII partner with write access (which sightings need) cannot rewrite or delete
    /// Estonia's indicator; it adds sightings and objects of its own, and deletes its own.
    @Test func aPartnerCannotRewriteOrDeleteThisNodesIntelligence() async throws {
        let federation = try await TestFederation.start(["EST"])
        defer { Task { await federation.stop() } }
        let estonia = federation["EST"]
        let intelligence = estonia.server.intelligence
        let collection = try await intelligence.createCollection(title: "Indicators", description: "CERT-EE", defaultTLP: .amber)
        let token = try await intelligence.saveAccount(name: "partner", relation: .partner, read: [collection.id], write: [collection.id])
        let indicatorID = "indicator--" + UUID().uuidString.lowercased()
        func indicator(_ id: String, modified: String, pattern: String) -> JSONValue {
            [
                "type": "indicator", "spec_version": "2.1", "id": .string(id), "created": "2026-01-01T00:00:00.000Z", "modified": .string(modified),
                "pattern": .string(pattern), "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z",
                "object_marking_refs": [.string(TLPMarking.definitions[.green]!)],
            ]
        }
        _ = try await intelligence.add(
            [(indicator(indicatorID, modified: "2026-01-01T00:00:00.000Z", pattern: "[ipv4-addr:value = '203.0.113.66']"), nil)],
            to: collection,
            by: .nodeOperator
        )

        let objects = estonia.url + collection.path + "objects/"
        let headers = [("Authorization", "Bearer \(token)"), ("Accept", TAXIIRoutes.taxiiMediaType), ("Content-Type", TAXIIRoutes.taxiiMediaType)]
        func add(_ object: JSONValue) async throws -> JSONValue? {
            try await http(.POST, objects, body: (["objects": [object]] as JSONValue).canonicalString, headers: headers).json
        }
        let rewrite = try await add(indicator(indicatorID, modified: "9999-12-31T23:59:59.000Z", pattern: "[ipv4-addr:value = '198.51.100.1']"))
        #expect(rewrite?["failure_count"] == 1 && rewrite?["success_count"] == 0, "\(String(describing: rewrite))")
        let latest = try await http(.GET, objects + indicatorID + "/", headers: headers).json?["objects"]?.arrayValue?.first
        #expect(latest?["pattern"]?.stringValue == "[ipv4-addr:value = '203.0.113.66']", "Estonia's operator still reads Estonia's pattern")

        let deletion = try await http(.DELETE, objects + indicatorID + "/", headers: headers)
        #expect(deletion.status == 403, "\(deletion.body)")
        #expect(try await http(.GET, objects + indicatorID + "/", headers: headers).status == 200)

        let ownID = "indicator--" + UUID().uuidString.lowercased()
        let own = try await add(indicator(ownID, modified: "2026-01-02T00:00:00.000Z", pattern: "[domain-name:value = 'evil.example']"))
        #expect(own?["success_count"] == 1, "\(String(describing: own))")
        let newer = try await add(indicator(ownID, modified: "2026-01-03T00:00:00.000Z", pattern: "[domain-name:value = 'evil.example']"))
        #expect(newer?["success_count"] == 1, "a producer versions its own object")
        #expect(try await http(.DELETE, objects + ownID + "/", headers: headers).status == 200)
    }

    // MARK: People

    /// TLP for people: an observer and the operator see that a TLP:RED message arrived, never
    /// what it says; the diplomatic POC reads it. Through the API, with personal tokens.
    @Test func aRedMessageIsReadOnlyByThePointsOfContact() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let operatorAuth = [("Authorization", "Bearer \(estonia.operatorToken)"), ("Content-Type", "application/json")]
        func token(for username: String, role: Role) async throws -> String {
            let created = try await http(
                .POST,
                estonia.url + "/api/v1/users",
                body: #"{"username":"\#(username)","displayName":"\#(username)","role":"\#(role.rawValue)","password":"a long enough password"}"#,
                headers: operatorAuth
            )
            #expect(created.status == 201, "\(created.body)")
            return try #require(
                try await http(.POST, estonia.url + "/api/v1/users/\(username)/tokens", headers: operatorAuth).json?["token"]?.stringValue
            )
        }
        let observer = try await token(for: "watcher", role: .observer)
        let diplomat = try await token(for: "kadri", role: .diplomaticPOC)

        let id = try await latvia.service.send(
            .init(
                to: [estonia.id],
                template: .freeText,
                priority: .urgent,
                subject: "Source of the intrusion",
                body: "Named in confidence.",
                tlp: .red
            ),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Estonia holds it") { try await estonia.server.store.message(id) != nil }
        func read(_ token: String) async throws -> JSONValue? {
            try await http(.GET, estonia.url + "/api/v1/messages/\(id)", headers: [("Authorization", "Bearer \(token)")]).json
        }
        for reader in [observer, estonia.operatorToken] {
            let seen = try await read(reader)
            #expect(seen?["withheld"] == true && seen?["body"] == "" && seen?["subject"]?.stringValue?.contains("Source") == false)
            #expect(seen?["tlp"] == "red" && seen?["from"] == "LVA", "who sent what marking when stays visible")
        }
        let read = try await read(diplomat)
        #expect(read?["withheld"] == false && read?["body"] == "Named in confidence.")

        // An observer reads and never writes; the operator administers and never speaks for the state.
        let write = try await http(
            .POST,
            estonia.url + "/api/v1/checks",
            body: "{}",
            headers: [("Authorization", "Bearer \(observer)"), ("Content-Type", "application/json")]
        )
        #expect(write.status == 403)
        let administer = try await http(.GET, estonia.url + "/api/v1/users", headers: [("Authorization", "Bearer \(diplomat)")])
        #expect(administer.status == 403, "accounts are the operator's")
    }

    /// Political acts are signed only by the roles the node's policy names; a reply keeps the
    /// exercise mark of what it answers unless the sender confirms it answers as real.
    @Test func onlyTheDiplomaticDeskSpeaksForTheStateAndRepliesKeepTheExerciseMark() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let cases = estonia.server.cases
        let caseID = try await cases.open(
            .init(
                title: "Outage",
                summary: "s",
                sectors: [.banking],
                impact: .high,
                firstSeen: Self.later(0),
                status: .ongoing,
                tlp: .amber
            ),
            by: Self.diplomat
        ).caseID
        let attribution = CaseAction.attribution(
            .init(
                actor: .init(kind: .unknown, name: ""),
                basis: [.technical],
                likelihood: .likely,
                confidence: .moderate,
                summary: "s"
            )
        )
        for role in ["technical-poc", "operator", "observer"] {
            await #expect(throws: ServiceFailure.self, "\(role)") {
                try await cases.record(attribution, in: caseID, by: .init(name: "someone", role: role))
            }
        }
        try await cases.record(attribution, in: caseID, by: Self.diplomat)
        await #expect(throws: ServiceFailure.self) {
            try await estonia.service.send(
                .init(to: [latvia.id], template: .freeText, priority: .flash, subject: "x"),
                composedBy: "op",
                role: .operator
            )
        }

        let drill = try await estonia.service.send(
            .init(to: [latvia.id], template: .freeText, priority: .urgent, subject: "Drill", exercise: true),
            composedBy: nil,
            role: .diplomaticPOC
        )[0]
        try await eventually("Latvia holds the drill") { try await latvia.server.store.message(drill) != nil }
        let reply = try await latvia.service.send(
            .init(to: [estonia.id], template: .freeText, priority: .urgent, subject: "Re: Drill", inReplyTo: drill),
            composedBy: nil,
            role: .technicalPOC
        )[0]
        let real = try await latvia.service.send(
            .init(
                to: [estonia.id],
                template: .freeText,
                priority: .urgent,
                subject: "Re: Drill (real)",
                inReplyTo: drill,
                answersExerciseAsReal: true
            ),
            composedBy: nil,
            role: .technicalPOC
        )[0]
        try await eventually("Estonia holds both replies") {
            let first = try await estonia.server.store.message(reply)
            let second = try await estonia.server.store.message(real)
            return first != nil && second != nil
        }
        #expect(try await estonia.server.store.message(reply)?.exercise == true, "a reply to an exercise is an exercise")
        #expect(try await estonia.server.store.message(real)?.exercise == false, "answering as real is an explicit choice")
    }
}

/// Whatever a hostile participant mixes into the traffic, and in whatever order everything
/// arrives, an honest node's stored history is exactly what the honest documents alone give.
@Suite("Honest history under hostile interleavings", .serialized)
struct HostileInterleavingTests {
    typealias Adversary = HostileParticipantTests.Adversary

    @Test func anyInterleavingLeavesTheHonestHistory() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU", "FIN"]) { node in
            // Nothing is delivered on its own: the test alone decides what reaches Lithuania, and when.
            node.options.retry = .init(initial: .seconds(600), maximum: .seconds(600))
        }
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania, finland) = (federation["EST"], federation["LVA"], federation["LTU"], federation["FIN"])
        await lithuania.stop()
        let diplomat = HostileParticipantTests.diplomat
        let cases = estonia.server.cases
        let caseID = try await cases.open(
            .init(
                title: "Outage",
                summary: "s",
                sectors: [.banking],
                impact: .high,
                firstSeen: HostileParticipantTests.later(0),
                status: .ongoing,
                tlp: .amber
            ),
            by: diplomat
        ).caseID
        let notification = try await cases.record(
            .notification(
                .init(
                    participants: [latvia.id, lithuania.id],
                    message: "m",
                    respondBy: HostileParticipantTests.later(3600)
                )
            ),
            in: caseID,
            by: diplomat
        )
        try await eventually("Latvia holds the case") { try await latvia.server.store.caseEvents(caseID).count == 2 }
        try await latvia.server.cases.record(.acknowledgement(.init(notification: notification.id)), in: caseID, by: diplomat)
        for n in 0..<3 {
            try await cases.record(
                .evidence(.init(description: "evidence \(n)", indicators: [.init(type: "domain-name", value: "c\(n).example")], tlp: .amber)),
                in: caseID,
                by: diplomat
            )
            try await latvia.server.cases.record(
                .evidence(.init(description: "Latvian \(n)", indicators: [.init(type: "ipv4-addr", value: "198.51.100.\(n)")], tlp: .green)),
                in: caseID,
                by: diplomat
            )
        }
        try await eventually("Estonia holds Latvia's events") { try await estonia.server.store.caseEvents(caseID).count == 9 }
        let honest = try await estonia.server.store.caseEvents(caseID)
        let reference = try await cases.state(caseID)

        // Everything addressed to Lithuania, from the author and from the owner's relays.
        var honestWire: [String] = []
        for node in [estonia, latvia] {
            honestWire += try await node.server.store.database.sql.raw(
                "SELECT e.wire FROM envelopes e JOIN outbox o ON o.envelope_id = e.id WHERE o.recipient = 'LTU' AND e.type = 'case.events'"
            ).all(decodingColumn: "wire", as: String.self)
        }
        #expect(honestWire.count >= 7, "one envelope per event, the first carrying the report with the invitation")

        // What Finland, pinned by everyone and no participant, sends Lithuania.
        let fin = Adversary(finland)
        let lva = Adversary(latvia)
        let evidence = CaseAction.evidence(.init(description: "planted", indicators: [.init(type: "domain-name", value: "x.example")], tlp: .green))
        var hostile: [String] = []
        for event in honest {
            // Its own event under each honest id, in a made-up case and in the real one.
            for target in [UUIDv7.string(UUIDv7.generate()), caseID] {
                var members =
                    try CaseEvent.sign(
                        evidence,
                        caseID: target,
                        owner: estonia.id,
                        author: finland.id,
                        after: [event.id],
                        by: diplomat,
                        key: fin.keys.signing
                    ).document.removing("signature").objectValue ?? [:]
                members["id"] = .string(event.id)
                if let squat = try? CaseEvent(document: try DocumentSignature.sign(.object(members), with: fin.keys.signing)) {
                    hostile.append(try fin.caseEvents([squat], to: lithuania).json.canonicalString)
                }
            }
            // The honest event altered, and an event in Latvia's name signed with Finland's key.
            let altered = try fin.resign(event.document, changing: ["at": .string(Timestamp.format(Date()))])
            if let forged = try? CaseEvent(document: altered) {
                hostile.append(try Adversary(id: event.author, keys: fin.keys).caseEvents([forged], to: lithuania).json.canonicalString)
                // …and relayed by Finland, which is neither its author nor the case's owner.
                hostile.append(try fin.caseEvents([event], to: lithuania).json.canonicalString)
            }
        }
        // A participant's events that can never fit, past the bound.
        let flood = try (0...CaseEventIntake.maximumWaitingPerAuthor).map { n in
            try CaseEvent.sign(
                .evidence(.init(description: "flood \(n)", indicators: [.init(type: "domain-name", value: "f\(n).example")], tlp: .green)),
                caseID: caseID,
                owner: estonia.id,
                author: latvia.id,
                after: [UUIDv7.string(UUIDv7.generate())],
                by: diplomat,
                key: lva.keys.signing
            )
        }
        hostile.append(try lva.caseEvents(flood, to: lithuania).json.canonicalString)

        let identity = try lithuania.directory.loadIdentity()
        for seed in 0..<12 {
            var generator = SeededGenerator(seed: UInt64(seed))
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("entente-interleaving-\(UUID())")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let store = try await NodeStore.open(
                databaseURL: nil,
                defaultSQLitePath: root.appendingPathComponent("db.sqlite").path,
                features: NodeFeatures.schemas,
                logger: .init(label: "test")
            )
            let peers = try await PeerDirectory(store: store)
            for node in [estonia, latvia, finland] {
                _ = try await peers.pin(node.server.identity.descriptor, document: try node.server.identity.signedDescriptor(), now: Date())
            }
            let receiver = EnvelopeReceiver(
                identity: identity,
                peers: peers,
                store: store,
                intakes: [CaseEventIntake(identity: identity, peers: peers, store: store)]
            )
            // Honest envelopes (some twice) and hostile ones, shuffled; what waits for history is sent again, as an outbox would.
            var pending = (honestWire + honestWire.prefix(3) + hostile).shuffled(using: &generator)
            for _ in 0..<(honestWire.count + 1) where !pending.isEmpty {
                var again: [String] = []
                for wire in pending {
                    do { _ = try await receiver.receive(Array(wire.utf8)) } catch ProtocolError.awaitingHistory {
                        if honestWire.contains(wire) { again.append(wire) }
                    } catch {}
                }
                pending = again.shuffled(using: &generator)
            }
            let held = try await store.caseEvents(caseID)
            #expect(Set(held.map(\.document)) == Set(honest.map(\.document)), "seed \(seed)")
            #expect(CaseState(id: caseID, events: held) == reference, "seed \(seed)")
            #expect(try await store.caseState(caseID) == reference, "the state kept in memory is the honest one too (seed \(seed))")
            #expect(
                try await store.database.sql.value("SELECT COUNT(*) FROM case_events WHERE case_id <> \(bind: caseID)", as: Int64.self) == 0,
                "nothing of made-up cases is kept (seed \(seed))"
            )
            await store.close()
            try? FileManager.default.removeItem(at: root)
        }
    }
}
