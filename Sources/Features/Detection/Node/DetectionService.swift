import CanonicalJSON
import Cases
import Detection
import EntenteProtocol
import Foundation
import Intelligence
import NIOCore
import Storage

/// Detection on the node: a CERT's network logs matched against the indicators this node holds, beacons and
/// generated names scored, the findings kept; a finding then becomes a sighting (returned to the indicator's
/// producer when its TLP allows) or evidence in a case.
actor DetectionService {
    let store: NodeStore
    let intelligence: IntelligenceService
    let cases: CaseService

    /// The most one log may hold, compressed as sent.
    static let maximumLogBytes = 1 << 30
    /// Connections of one log kept for beacon scoring: 160 MB at most.
    static let connectionLimit = 10_000_000

    /// The index last built, for whom, at which state of the indicators; rebuilt when an indicator is added,
    /// replaced or deleted, so a revocation takes effect at the next log.
    private var cached: (reader: Reader, generation: String, indicators: IndexedIndicators)?

    /// An index and the marking each of its indicators is held under.
    struct IndexedIndicators: Sendable {
        var index = IndicatorIndex()
        var marking: [String: (tlp: TLP, recipients: [String])] = [:]
    }

    init(store: NodeStore, intelligence: IntelligenceService, cases: CaseService) {
        self.store = store
        self.intelligence = intelligence
        self.cases = cases
    }

    /// The indicators `reader` may read, in every collection, indexed: a person's log is matched only against
    /// what that person may read (a TLP:RED indicator, only by its recipients).
    func indicators(for reader: Reader) async throws -> IndexedIndicators {
        let generation = try await store.indicatorGeneration()
        if let cached, cached.reader == reader, cached.generation == generation { return cached.indicators }
        var built = IndexedIndicators()
        for collection in try await store.collections() {
            var query = STIXQuery(collection: collection.id, reader: reader, limit: 5000)
            query.types = ["indicator"]
            while true {
                let page = try await store.stixObjects(query)
                for object in page.objects {
                    guard let json = try? JSONValue(parsing: object.document) else { continue }
                    built.index.add(json)
                    // Held in two collections under two markings: the stricter one binds.
                    if let held = built.marking[object.id], TLPPolicy.rank(held.tlp) >= TLPPolicy.rank(object.tlp) { continue }
                    built.marking[object.id] = (object.tlp, object.recipients)
                }
                guard page.more, let last = page.objects.last else { break }
                query.addedAfter = last.dateAdded
            }
        }
        cached = (reader, generation, built)
        return built
    }

    /// Reads one log as it arrives and records what it held and found, all or nothing.
    func scan<Body: AsyncSequence>(
        log name: String,
        body: Body,
        reader: Reader,
        submittedBy: String,
        now: @Sendable () -> Date = Date.init
    ) async throws -> (run: DetectionRunRecord, findings: [StoredFinding]) where Body.Element == ByteBuffer {
        let logName = try Self.logName(name)
        let started = now()
        let indicators = try await indicators(for: reader)
        var detectors = Detectors(index: indicators.index, connectionLimit: Self.connectionLimit)
        var pass = LogPass(name: logName)
        var received = 0
        do {
            for try await buffer in body {
                received += buffer.readableBytes
                // Nothing is recorded of a log refused part-way: the run and its findings go in together at the end.
                guard received <= Self.maximumLogBytes else { throw APIError.tooLarge(Self.maximumLogBytes) }
                try buffer.withUnsafeReadableBytes { try pass.feed($0, into: &detectors) }
            }
            guard received > 0 else { throw ServiceFailure.invalid("\(logName) is empty: the log's bytes are the request's body") }
            let summary = try pass.finish(into: &detectors)
            let runID = UUIDv7.generate(at: started).uuidString.lowercased()
            let finished = now()
            let (alerts, explained) = detectors.findings
            let findings = (alerts + explained).map { finding in
                let marking = finding.indicator.flatMap { indicators.marking[$0] }
                return StoredFinding(
                    id: UUIDv7.generate(at: finished).uuidString.lowercased(),
                    runID: runID,
                    finding: finding,
                    tlp: marking?.tlp ?? .amber,
                    recipients: marking?.tlp == .red ? marking?.recipients ?? [] : [],
                    createdAt: finished
                )
            }
            let run = DetectionRunRecord(
                id: runID,
                logName: logName,
                submittedBy: submittedBy,
                startedAt: started,
                finishedAt: finished,
                summary: summary.json,
                indicators: indicators.index.count,
                findings: alerts.count
            )
            try await store.recordDetectionRun(run, findings: findings)
            return (run, findings)
        } catch let error as LogInputError {
            throw ServiceFailure.invalid("\(logName): \(error.description)")
        }
    }

    /// The name a log is sent under says which log it is (conn, dns, http, ssl, files) when its lines do not.
    static func logName(_ name: String) throws -> String {
        guard (1...200).contains(name.unicodeScalars.count),
            name.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7f && $0 != "/" })
        else {
            throw ServiceFailure.invalid(
                "name: the log's file name without its folder, 1 to 200 characters without spaces, such as conn.log or dns.log.gz"
            )
        }
        return name
    }

    // MARK: What people do with a finding

    /// A finding as `reader` may see it; one they may not read is not there for them.
    func finding(_ id: String, reader: FindingReader) async throws -> StoredFinding {
        guard let stored = try await store.detectionFinding(id), reader.mayRead(stored) else {
            throw ServiceFailure.notFound("there is no finding \(id.prefix(64))")
        }
        return stored
    }

    /// Records a STIX sighting of the finding's indicator, under the indicator's TLP, in the collection that holds
    /// it: the sightings path returns it to the producer when that TLP allows. Once per finding. The sighting says
    /// how often and when, never which of this network's hosts: those stay here.
    func recordSighting(
        of findingID: String,
        by principal: IntelligenceService.Principal,
        reader: FindingReader,
        now: Date = Date()
    ) async throws -> String {
        let stored = try await finding(findingID, reader: reader)
        guard let indicator = stored.finding.indicator else {
            throw ServiceFailure.invalid(
                "this \(stored.finding.kind.rawValue) finding matched no partner's indicator, so there is nobody to tell: add it to a case instead"
            )
        }
        if let sighting = stored.sighting { return sighting }
        for collection in try await store.collections() {
            let held = try await store.stixObjects(STIXQuery(collection: collection.id, reader: principal.reader, objectID: indicator, limit: 1))
            guard let object = held.objects.first else { continue }
            let report = Sightings.Report(
                sightingOf: indicator,
                count: min(stored.finding.count, 999_999_999),
                firstSeen: Date(timeIntervalSince1970: stored.finding.firstSeen),
                lastSeen: Date(timeIntervalSince1970: stored.finding.lastSeen),
                note: "Seen in this participant's network logs (\(stored.finding.kind.rawValue) match).",
                tlp: object.tlp
            )
            let sighting = try await intelligence.reportSighting(report, in: collection, by: principal, now: now)
            try await store.markFinding(findingID, sighting: sighting)
            return sighting
        }
        throw ServiceFailure.notFound("the indicator \(indicator) is no longer held on this node")
    }

    /// Adds the finding to a case as evidence: what was seen, why it matters, and the addresses and names it
    /// concerns as indicators, under the finding's TLP or a stricter one.
    func addToCase(
        _ findingID: String,
        caseID: String,
        tlp: TLP?,
        by person: CaseEvent.Person,
        reader: FindingReader
    ) async throws -> CaseEvent {
        let stored = try await finding(findingID, reader: reader)
        let marking = tlp ?? stored.tlp
        guard TLPPolicy.rank(marking) >= TLPPolicy.rank(stored.tlp) else {
            throw ServiceFailure.invalid("this finding is \(stored.tlp.label): it cannot go into a case as \(marking.label)")
        }
        let evidence = CaseAction.Evidence(description: Self.describe(stored.finding), indicators: Self.observables(of: stored.finding), tlp: marking)
        let event = try await cases.record(.evidence(evidence), in: caseID, by: person)
        try await store.markFinding(findingID, caseID: caseID)
        return event
    }

    /// The finding in words, for a case's record: unlike a sighting, it names this network's host, which those
    /// helping with the case need, under the marking the analyst chose.
    static func describe(_ finding: Finding) -> String {
        let what =
            switch finding.kind {
            case .indicator: "A partner's indicator matched"
            case .pattern: "A partner's STIX pattern matched"
            case .beacon: "Beaconing (regular calls to one destination)"
            case .dga: "Queries for machine-generated domain names"
            }
        let target = [finding.destination, finding.domain].compactMap { $0 }.joined(separator: ", ")
        let when = "\(Finding.timestamp(finding.firstSeen)) to \(Finding.timestamp(finding.lastSeen))"
        let host = finding.source.map { ", by \($0)" } ?? ""
        return "\(what)\(target.isEmpty ? "" : ": " + target)\(host), \(finding.count) times from \(when)"
            + (finding.indicator.map { " (\($0))" } ?? "") + ". " + finding.reasons.joined(separator: "; ")
    }

    /// The addresses and names a finding concerns, as a case's evidence lists indicators.
    static func observables(of finding: Finding) -> [CaseAction.Evidence.Indicator] {
        var items: [CaseAction.Evidence.Indicator] = []
        if let destination = finding.destination, let address = IPAddress(destination) {
            items.append(.init(type: address.bitWidth == 32 ? "ipv4-addr" : "ipv6-addr", value: destination))
        }
        if let domain = finding.domain { items.append(.init(type: "domain-name", value: domain)) }
        if let value = finding.value, value != finding.destination, value != finding.domain, IPAddress(value) == nil {
            let type =
                value.contains("://")
                ? "url"
                : value.count == 32 ? "md5" : value.count == 40 ? "sha1" : value.count == 64 ? "sha256" : nil
            if let type, finding.kind == .indicator || finding.kind == .pattern { items.append(.init(type: type, value: value)) }
        }
        return items
    }
}
