import Foundation
import Storage
import Testing

@testable import Node

@Suite("Communication-check report")
struct CheckReportTests {
    let day1 = Date(timeIntervalSince1970: 1_800_000_000)
    var day2: Date { day1.addingTimeInterval(86_400) }

    func check(_ peer: String, at sent: Date, roundTrip: Double?, answer: Double?) -> CommunicationCheck {
        CommunicationCheck(
            messageID: UUID().uuidString,
            peer: peer,
            sentAt: sent,
            deliveredAt: roundTrip.map { sent.addingTimeInterval($0) },
            acknowledgedAt: answer.map { sent.addingTimeInterval($0) }
        )
    }

    @Test func summarisesPerParticipantAndPerDay() {
        let report = CheckReport(checks: [
            check("LVA", at: day1, roundTrip: 0.010, answer: 60),
            check("LVA", at: day2, roundTrip: 0.030, answer: nil),
            check("LVA", at: day2.addingTimeInterval(60), roundTrip: 0.020, answer: 120),
            check("LTU", at: day2, roundTrip: nil, answer: nil),
        ])
        let latvia = report.participants.first { $0.peer == "LVA" }!
        #expect(latvia.checks == 3 && latvia.reached == 3 && latvia.answered == 2)
        #expect(latvia.medianRoundTrip == .milliseconds(20))
        #expect(latvia.medianTimeToAnswer == .seconds(120))
        let lithuania = report.participants.first { $0.peer == "LTU" }!
        #expect(lithuania.reachability == 0 && lithuania.medianRoundTrip == nil)

        #expect(report.days.map { "\($0.day!) \($0.peer) \($0.checks)" } == ["2027-01-16 LTU 1", "2027-01-16 LVA 2", "2027-01-15 LVA 1"])
    }
}
