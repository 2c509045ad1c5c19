import EntenteProtocol
import Foundation
import Testing

@testable import Hotline

@Suite("Hotline messages")
struct HotlineMessageTests {
    let deadline = Timestamp.format(Date())

    func message(_ template: Template = .notification, fields: [String: String] = ["incidentType": "ransomware"]) -> HotlineMessage {
        HotlineMessage(template: template, priority: .flash, subject: "Ransomware", fields: fields, acknowledgeBy: deadline)
    }

    @Test func aCompleteNotificationIsValid() throws {
        try message().validate()
    }

    @Test func requiredFieldsAreEnforced() {
        #expect(throws: HotlineError.self) { try message(fields: [:]).validate() }
        #expect(throws: HotlineError.self) { try message(fields: ["incidentType": "earthquake"]).validate() }
        #expect(throws: HotlineError.self) { try message(fields: ["incidentType": "ransomware", "unknown": "x"]).validate() }
    }

    @Test func aResponseMustAnswerSomething() {
        #expect(throws: HotlineError.self) { try message(.response, fields: ["status": "accepted"]).validate() }
        var response = message(.response, fields: ["status": "accepted"])
        response.inReplyTo = UUIDv7.string(UUIDv7.generate())
        #expect(throws: Never.self) { try response.validate() }
    }

    @Test func boundsAndFormats() {
        var long = message()
        long.subject = String(repeating: "x", count: HotlineMessage.maximumSubjectLength + 1)
        #expect(throws: HotlineError.self) { try long.validate() }
        var blank = message()
        blank.subject = "   "
        #expect(throws: HotlineError.self) { try blank.validate() }
        var language = message()
        language.language = "english!"
        #expect(throws: HotlineError.self) { try language.validate() }
        var attachment = message()
        attachment.attachments = [.init(name: "log.txt", sha256: "ABC", size: 3, mediaType: "text/plain")]
        #expect(throws: HotlineError.self) { try attachment.validate() }
    }

    @Test func deadlinesFollowThePolicy() {
        let sent = Date(timeIntervalSince1970: 1_000_000)
        let policy = AcknowledgementPolicy.defaults
        #expect(policy.acknowledgeBy(sentAt: sent, priority: .flash) == sent.addingTimeInterval(15 * 60))
        #expect(policy.acknowledgeBy(sentAt: sent, priority: .urgent) == sent.addingTimeInterval(2 * 3600))
        #expect(policy.acknowledgeBy(sentAt: sent, priority: .routine) == sent.addingTimeInterval(24 * 3600))
    }

    @Test func acknowledgementState() {
        let due = Date(timeIntervalSince1970: 1000)
        #expect(AcknowledgementState.of(acknowledgeBy: due, acknowledgedAt: nil, now: due.addingTimeInterval(-1)) == .awaiting)
        #expect(AcknowledgementState.of(acknowledgeBy: due, acknowledgedAt: nil, now: due.addingTimeInterval(1)) == .overdue)
        #expect(
            AcknowledgementState.of(acknowledgeBy: due, acknowledgedAt: due.addingTimeInterval(5), now: due.addingTimeInterval(10)) == .acknowledged
        )
    }
}
