import Crypto
import EntenteProtocol
import Foundation
import Hotline
import Testing

@testable import Node

/// Every way an envelope can be wrong gets a clear error and leaves nothing stored.
@Suite("Federation endpoint refusals", .serialized)
struct RejectionTests {
    static let validMessage: JSONValue = try! JSONValue(
        encoding: HotlineMessage(
            template: .notification,
            priority: .urgent,
            subject: "Test",
            fields: ["incidentType": "ddos"],
            acknowledgeBy: Timestamp.format(Date())
        )
    )

    func seal(
        from keys: NodeKeys,
        as sender: String = "EST",
        to recipients: [(String, Curve25519.KeyAgreement.PublicKey)],
        type: String = HotlineMessage.envelopeType,
        payload: JSONValue = validMessage
    ) throws -> Envelope {
        try Envelope.seal(
            payload: payload,
            type: type,
            from: ParticipantID(sender)!,
            signingKey: keys.signing,
            to: recipients.map { (ParticipantID($0.0)!, $0.1) },
            tlp: .green,
            exercise: false
        )
    }

    func post(_ body: String, to node: TestNode) async throws -> HTTPExchange {
        try await http(.POST, node.url + "/federation/v1/envelopes", body: body, headers: [("Content-Type", "application/json")])
    }

    func expectRefused(_ body: String, by node: TestNode, status: Int, code: String) async throws {
        let before = try await node.server.store.envelopeCount()
        let response = try await post(body, to: node)
        #expect(response.status == status, "expected \(status) \(code), got \(response.status) \(response.body)")
        #expect(response.json?["error"]?.stringValue == code)
        #expect(response.json?["message"]?.stringValue?.isEmpty == false)
        #expect(try await node.server.store.envelopeCount() == before, "a refused envelope must leave nothing behind")
        #expect(try await node.server.store.messages(direction: .incoming).isEmpty)
    }

    @Test func everyRejectionCase() async throws {
        let federation = try await TestFederation.start(["EST", "LVA", "LTU"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia, lithuania) = (federation["EST"], federation["LVA"], federation["LTU"])
        let estoniaKeys = estonia.server.identity.keys
        let latviaKey = latvia.server.identity.keys.agreement.publicKey
        let good = try seal(from: estoniaKeys, to: [("LVA", latviaKey)])

        // Tampered: one member changed after signing.
        guard case .object(var tampered) = good.json else { return }
        tampered["tlp"] = "clear"
        try await expectRefused(JSONValue.object(tampered).canonicalString, by: latvia, status: 401, code: "bad_signature")

        // Unsigned.
        try await expectRefused(good.json.removing("signature").canonicalString, by: latvia, status: 400, code: "unsigned")

        // Wrongly signed: a valid envelope claiming to be from EST, signed by someone else's key.
        try await expectRefused(
            try seal(from: NodeKeys(), to: [("LVA", latviaKey)]).json.canonicalString,
            by: latvia,
            status: 401,
            code: "bad_signature"
        )

        // Unknown sender: nobody pinned "XYZ".
        try await expectRefused(
            try seal(from: NodeKeys(), as: "XYZ", to: [("LVA", latviaKey)]).json.canonicalString,
            by: latvia,
            status: 403,
            code: "unknown_sender"
        )

        // Unpinned sender: a real node that LVA has not pinned.
        let stranger = try TestNode("FIN", root: federation.root)
        try await stranger.start()
        defer { Task { await stranger.stop() } }
        try await expectRefused(
            try seal(from: stranger.server.identity.keys, as: "FIN", to: [("LVA", latviaKey)]).json.canonicalString,
            by: latvia,
            status: 403,
            code: "unknown_sender"
        )

        // Not addressed to this node.
        try await expectRefused(
            try seal(from: estoniaKeys, to: [("LTU", lithuania.server.identity.keys.agreement.publicKey)]).json.canonicalString,
            by: latvia,
            status: 421,
            code: "not_addressed_to_this_node"
        )

        // Addressed to this node but encrypted to another key.
        try await expectRefused(
            try seal(from: estoniaKeys, to: [("LVA", lithuania.server.identity.keys.agreement.publicKey)]).json.canonicalString,
            by: latvia,
            status: 422,
            code: "undecryptable"
        )

        // Malformed: not JSON, JSON that is not an envelope, an envelope whose content is not a valid message.
        try await expectRefused("this is not json", by: latvia, status: 400, code: "malformed")
        try await expectRefused(#"{"v":1,"id":"x","signature":"AAAA"}"#, by: latvia, status: 400, code: "malformed")
        try await expectRefused(
            try seal(from: estoniaKeys, to: [("LVA", latviaKey)], payload: ["subject": "no template"]).json.canonicalString,
            by: latvia,
            status: 400,
            code: "malformed"
        )
        try await expectRefused(
            try seal(from: estoniaKeys, to: [("LVA", latviaKey)], type: "hotline.unknown").json.canonicalString,
            by: latvia,
            status: 422,
            code: "unsupported_type"
        )

        // Oversized: past the documented 1 MiB limit.
        try await expectRefused(String(repeating: " ", count: Envelope.maximumSize + 1), by: latvia, status: 413, code: "too_large")

        // And the good one is accepted after all that.
        let accepted = try await post(good.json.canonicalString, to: latvia)
        #expect(accepted.status == 200)
        #expect(accepted.json?["envelope"]?.stringValue == good.id)
    }

    @Test func aReplayIsAcceptedAndStoredOnce() async throws {
        let federation = try await TestFederation.start(["EST", "LVA"])
        defer { Task { await federation.stop() } }
        let (estonia, latvia) = (federation["EST"], federation["LVA"])
        let envelope = try seal(from: estonia.server.identity.keys, to: [("LVA", latvia.server.identity.keys.agreement.publicKey)])
        let first = try await post(envelope.json.canonicalString, to: latvia)
        let second = try await post(envelope.json.canonicalString, to: latvia)
        #expect(first.status == 200 && second.status == 200)
        #expect(first.json?["receivedAt"] == second.json?["receivedAt"])
        #expect(try await latvia.server.store.envelopeCount() == 1)
        #expect(try await latvia.server.store.messages(direction: .incoming).count == 1)
    }

    @Test func floodsFromOnePeerAreRateLimited() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("entente-ratelimit-\(UUID())")
        let estonia = try TestNode("EST", root: root)
        let latvia = try TestNode("LVA", root: root)
        latvia.options.peerRateLimit = .init(rate: 0.01, burst: 2)
        try await estonia.start()
        try await latvia.start()
        defer {
            Task {
                await estonia.stop()
                await latvia.stop()
                try? FileManager.default.removeItem(at: root)
            }
        }
        try await latvia.pin(estonia)
        var statuses: [Int] = []
        for _ in 0..<4 {
            let envelope = try seal(from: estonia.server.identity.keys, to: [("LVA", latvia.server.identity.keys.agreement.publicKey)])
            let response = try await post(envelope.json.canonicalString, to: latvia)
            statuses.append(response.status)
            if response.status == 429 {
                #expect(response.json?["error"]?.stringValue == "rate_limited")
                #expect(response.headers["Retry-After"].first != nil)
            }
        }
        #expect(statuses == [200, 200, 429, 429])
        #expect(try await latvia.server.store.envelopeCount() == 2)
    }
}
