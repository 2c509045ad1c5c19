import Detection
import Foundation
import TestSupport
import Testing

@Suite("Beacons: regular callers found, periodic services explained")
struct BeaconDetectorTests {
    /// A connection from `source` to `destination` at `time`.
    static func connection(
        _ source: String,
        _ destination: String,
        at time: Double,
        port: Int = 443,
        transport: String = "tcp",
        bytes: Int = 700,
        duration: Double = 0.3
    ) -> NetworkEvent {
        var event = NetworkEvent(log: .conn, time: time)
        event.source = source
        event.destination = destination
        event.destinationPort = port
        event.transport = transport
        event.sentBytes = bytes
        event.duration = duration
        event.state = "SF"
        return event
    }

    @Test("A jittered 60 s implant among aperiodic browsing is the one alert; NTP and a fleet's agent are explained")
    func implantAmongHonestTraffic() {
        var random = SystemRandomNumberGenerator()
        var detector = BeaconDetector()
        let start = 1_741_651_200.0
        // The implant: every 60 s ±20%, request sizes ±5%, for six hours.
        var time = start
        while time < start + 6 * 3600 {
            detector.observe(Self.connection("10.0.0.7", "198.51.100.9", at: time, bytes: Int.random(in: 680...740, using: &random)))
            time += Double.random(in: 48...72, using: &random)
        }
        // Browsing: bursts of requests at random moments to a few sites, sizes all over the place.
        for site in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
            for _ in 0..<200 {
                detector.observe(
                    Self.connection(
                        "10.0.0.7",
                        site,
                        at: start + Double.random(in: 0...(6 * 3600), using: &random),
                        bytes: Int.random(in: 200...9000, using: &random)
                    )
                )
            }
        }
        // NTP every 1024 s, and the same agent heartbeat on four hosts every 900 s.
        for tick in 0..<20 {
            detector.observe(Self.connection("10.0.0.7", "192.0.2.123", at: start + Double(tick) * 1024, port: 123, transport: "udp", bytes: 48))
            for host in 1...4 {
                detector.observe(Self.connection("10.0.1.\(host)", "192.0.2.80", at: start + Double(host) + Double(tick) * 900, bytes: 1200))
            }
        }
        let findings = detector.results
        let alerts = findings.filter { $0.explanation == nil }
        #expect(alerts.map(\.destination) == ["198.51.100.9"])
        let schedule = alerts.first?.reasons.first ?? ""
        #expect(["calls every 59 s", "calls every 60 s", "calls every 61 s"].contains { schedule.hasPrefix($0) }, "\(schedule)")
        let explained = Dictionary(
            findings.compactMap { finding in finding.explanation.map { (finding.destination!, $0) } },
            uniquingKeysWith: { a, _ in a }
        )
        #expect(explained["192.0.2.123"]?.contains("NTP") == true)
        #expect(explained["192.0.2.80"]?.contains("4 internal hosts") == true)
    }

    @Test("A hostile log cannot make a schedule out of nothing: repeated timestamps, too few calls, absurd values")
    func degenerateInput() {
        var detector = BeaconDetector()
        for _ in 0..<1000 { detector.observe(Self.connection("10.0.0.1", "198.51.100.1", at: 1_741_651_200)) }
        for tick in 0..<3 { detector.observe(Self.connection("10.0.0.1", "198.51.100.2", at: 1_741_651_200 + Double(tick) * 60)) }
        for tick in 0..<50 {
            detector.observe(Self.connection("10.0.0.1", "198.51.100.3", at: Double(tick) * 1e12, bytes: Int.max, duration: .infinity))
        }
        let destinations = detector.findings(minimumScore: 0).map(\.destination)
        #expect(!destinations.contains("198.51.100.1"))
        #expect(!destinations.contains("198.51.100.2"))
    }

    @Test("The labelled synthetic day: recall and precision at least 0.9, every benign periodic kind explained, not alerted")
    func labelledSyntheticDay() throws {
        let folder = try sharedData("detection/beacons/synthetic")
        let evaluation = try Self.evaluate(
            folder.appendingPathComponent("conn.log"),
            labels: folder.appendingPathComponent("labels.tsv"),
            detail: folder.appendingPathComponent("labels-detail.tsv")
        )
        print("beacons, synthetic:\n\(evaluation.report)")
        #expect(evaluation.recall >= 0.9)
        #expect(evaluation.precision >= 0.9)
        for (kind, outcome) in evaluation.benignPeriodic {
            #expect(outcome.alerted == 0, "\(kind) alerted")
        }
        #expect(evaluation.benignPeriodic.values.map(\.explained).reduce(0, +) >= 300)
    }

    @Test("The real RemcosRAT capture: its reconnect loop is the alert; the SSDP and LAN replies are not")
    func remcos() throws {
        let folder = try sharedData("detection/beacons/real/ctu-sme-11-remcosrat")
        let evaluation = try Self.evaluate(folder.appendingPathComponent("conn.log.labeled"), labels: folder.appendingPathComponent("labels.tsv"))
        #expect(evaluation.recall == 1)
        #expect(evaluation.precision == 1)
    }

    static func evaluate(_ log: URL, labels: URL, detail: URL? = nil) throws -> BeaconEvaluation {
        let bytes = try [UInt8](Data(contentsOf: log))
        var detector = BeaconDetector()
        for event in try read(bytes, chunk: 1 << 16).0 { detector.observe(event) }
        return BeaconEvaluation(
            findings: detector.findings(minimumScore: 0),
            labels: try BeaconEvaluation.labels(fromTSV: String(contentsOf: labels, encoding: .utf8)),
            kinds: try detail.map { try BeaconEvaluation.labels(fromTSV: String(contentsOf: $0, encoding: .utf8)).mapValues { $0[3] } } ?? [:]
        )
    }
}
