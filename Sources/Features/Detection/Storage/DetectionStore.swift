import CanonicalJSON
import Detection
import EntenteProtocol
import Foundation
import SQLKit

/// A log scanned on this node: who sent it, what it held, how many findings it gave.
public struct DetectionRunRecord: Sendable, Equatable {
    public var id: String
    public var logName: String
    public var submittedBy: String
    public var startedAt: Date
    public var finishedAt: Date
    /// The log's `LogSummary.json`.
    public var summary: JSONValue
    public var indicators: Int
    public var findings: Int

    public init(
        id: String,
        logName: String,
        submittedBy: String,
        startedAt: Date,
        finishedAt: Date,
        summary: JSONValue,
        indicators: Int,
        findings: Int
    ) {
        self.id = id
        self.logName = logName
        self.submittedBy = submittedBy
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.summary = summary
        self.indicators = indicators
        self.findings = findings
    }
}

/// A finding kept on the node, with what people made of it: a sighting sent, evidence in a case.
public struct StoredFinding: Sendable, Equatable {
    public var id: String
    public var runID: String
    public var finding: Finding
    /// The matched indicator's TLP; amber for what the node found on its own.
    public var tlp: TLP
    /// Who alone may read a finding of a TLP:RED indicator: that indicator's named recipients.
    public var recipients: [String]
    public var sighting: String?
    public var caseID: String?
    public var createdAt: Date

    public init(
        id: String,
        runID: String,
        finding: Finding,
        tlp: TLP,
        recipients: [String] = [],
        sighting: String? = nil,
        caseID: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.runID = runID
        self.finding = finding
        self.tlp = tlp
        self.recipients = recipients
        self.sighting = sighting
        self.caseID = caseID
        self.createdAt = createdAt
    }
}

/// A person or token reading findings: what their role may read (`Role.mayRead`) and, of a finding from a
/// TLP:RED indicator, only one whose recipients name them, as `TLPPolicy` rules for the indicator itself.
public struct FindingReader: Sendable, Equatable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    public func mayRead(_ stored: StoredFinding) -> Bool {
        role.mayRead(stored.tlp) && (stored.tlp != .red || stored.recipients.contains(name))
    }
}

/// Which findings to list.
public struct FindingFilter: Sendable, Equatable {
    public var kind: Finding.Kind?
    public var minimumScore: Double?
    /// Part of the source, destination, domain or value, any case.
    public var text: String?
    /// Periodic pairs explained as benign services are left out unless asked for.
    public var includeExplained = false
    public var reader: FindingReader
    public var limit = 200

    public init(reader: FindingReader) { self.reader = reader }
}

/// Detection's runs and findings.
extension NodeStore {
    struct RunRow: Codable, Sendable {
        var id: String
        var logName: String
        var submittedBy: String
        var startedAt: Milliseconds
        var finishedAt: Milliseconds
        var summary: String
        var indicators: Int64
        var findings: Int64

        var record: DetectionRunRecord {
            DetectionRunRecord(
                id: id,
                logName: logName,
                submittedBy: submittedBy,
                startedAt: startedAt.date,
                finishedAt: finishedAt.date,
                summary: (try? JSONValue(parsing: summary)) ?? .null,
                indicators: Int(indicators),
                findings: Int(findings)
            )
        }
    }

    struct FindingRow: Codable, Sendable {
        var id: String
        var runId: String
        var kind: String
        var scoreMilli: Int64
        var source: String?
        var destination: String?
        var domain: String?
        var value: String?
        var indicator: String?
        var count: Int64
        var firstSeen: Milliseconds
        var lastSeen: Milliseconds
        var reasons: String
        var explanation: String?
        var tlp: TLP
        var recipients: String
        var sighting: String?
        var caseId: String?
        var createdAt: Milliseconds

        init(_ stored: StoredFinding) {
            let finding = stored.finding
            id = stored.id
            runId = stored.runID
            kind = finding.kind.rawValue
            scoreMilli = Int64((finding.score * 1000).rounded())
            source = finding.source
            destination = finding.destination
            domain = finding.domain
            value = finding.value
            indicator = finding.indicator
            count = Int64(finding.count)
            firstSeen = Milliseconds(value: Int64((finding.firstSeen * 1000).rounded()))
            lastSeen = Milliseconds(value: Int64((finding.lastSeen * 1000).rounded()))
            reasons = String(decoding: JSONValue.array(finding.reasons.map(JSONValue.string)).canonicalBytes, as: UTF8.self)
            explanation = finding.explanation
            tlp = stored.tlp
            recipients = "," + stored.recipients.joined(separator: ",") + ","
            sighting = stored.sighting
            caseId = stored.caseID
            createdAt = Milliseconds(stored.createdAt)
        }

        var stored: StoredFinding {
            StoredFinding(
                id: id,
                runID: runId,
                finding: Finding(
                    kind: Finding.Kind(rawValue: kind) ?? .indicator,
                    score: Double(scoreMilli) / 1000,
                    source: source,
                    destination: destination,
                    domain: domain,
                    value: value,
                    indicator: indicator,
                    count: Int(count),
                    firstSeen: Double(firstSeen.value) / 1000,
                    lastSeen: Double(lastSeen.value) / 1000,
                    reasons: (try? JSONValue(parsing: reasons))?.arrayValue?.compactMap(\.stringValue) ?? [],
                    explanation: explanation
                ),
                tlp: tlp,
                recipients: recipients.split(separator: ",").map(String.init),
                sighting: sighting,
                caseID: caseId,
                createdAt: createdAt.date
            )
        }
    }

    /// Records a run and its findings together: what the scan reported is on record, or nothing is.
    public func recordDetectionRun(_ run: DetectionRunRecord, findings: [StoredFinding]) async throws {
        let row = RunRow(
            id: run.id,
            logName: run.logName,
            submittedBy: run.submittedBy,
            startedAt: Milliseconds(run.startedAt),
            finishedAt: Milliseconds(run.finishedAt),
            summary: String(decoding: run.summary.canonicalBytes, as: UTF8.self),
            indicators: Int64(run.indicators),
            findings: Int64(run.findings)
        )
        let rows = findings.map(FindingRow.init)
        try await database.transaction { db in
            try await db.insert(into: "detection_runs", row)
            for start in stride(from: 0, to: rows.count, by: 500) {
                try await db.insert(into: "detection_findings").models(Array(rows[start..<min(start + 500, rows.count)]), with: .columns).run()
            }
        }
    }

    public func detectionRuns(limit: Int = 50) async throws -> [DetectionRunRecord] {
        try await sql.rows("SELECT * FROM detection_runs ORDER BY started_at DESC, id DESC LIMIT \(bind: limit)", as: RunRow.self).map(\.record)
    }

    /// Findings, strongest first, newest first among equals.
    public func detectionFindings(_ filter: FindingFilter) async throws -> [StoredFinding] {
        let reader = filter.reader
        var readable: [SQLQueryString] = ["tlp IN (\(binds: TLP.allCases.filter { $0 != .red && reader.role.mayRead($0) }.map(\.rawValue)))"]
        if reader.role.mayRead(.red) {
            // Exact, as for STIX objects: the list holds ",name," when removing that substring changes it.
            readable.append("(tlp = 'red' AND replace(recipients, \(bind: "," + reader.name + ","), '') <> recipients)")
        }
        var clauses: [SQLQueryString] = ["(\(readable.joined(separator: " OR ")))"]
        if let kind = filter.kind { clauses.append("kind = \(bind: kind.rawValue)") }
        if let minimum = filter.minimumScore { clauses.append("score_milli >= \(bind: Int64((minimum * 1000).rounded()))") }
        if !filter.includeExplained { clauses.append("explanation IS NULL") }
        if let text = filter.text?.lowercased(), !text.isEmpty {
            // The text's own %, _ and ! match themselves; both databases agree on case once both sides are lowered.
            let escaped =
                "%"
                + text.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%")
                .replacingOccurrences(of: "_", with: "!_") + "%"
            let columns = ["source", "destination", "domain", "value"].map { column -> SQLQueryString in
                "lower(\(unsafeRaw: column)) LIKE \(bind: escaped) ESCAPE '!'"
            }
            clauses.append("(\(columns.joined(separator: " OR ")))")
        }
        return try await sql.rows(
            """
            SELECT * FROM detection_findings WHERE \(clauses.joined(separator: " AND "))
            ORDER BY score_milli DESC, created_at DESC, id LIMIT \(bind: filter.limit)
            """,
            as: FindingRow.self
        ).map(\.stored)
    }

    public func detectionFinding(_ id: String) async throws -> StoredFinding? {
        try await sql.row("SELECT * FROM detection_findings WHERE id = \(bind: id)", as: FindingRow.self)?.stored
    }

    /// Notes the sighting a finding became.
    public func markFinding(_ id: String, sighting: String) async throws {
        try await sql.run("UPDATE detection_findings SET sighting = \(bind: sighting) WHERE id = \(bind: id)")
    }

    /// Notes the case a finding became evidence in.
    public func markFinding(_ id: String, caseID: String) async throws {
        try await sql.run("UPDATE detection_findings SET case_id = \(bind: caseID) WHERE id = \(bind: id)")
    }

    /// Changes whenever an indicator is added, replaced or deleted: the detection index is rebuilt when it does.
    public func indicatorGeneration() async throws -> String {
        struct Generation: Decodable {
            var objects: Int64
            var latest: Int64?
        }
        let row = try await sql.row(
            "SELECT COUNT(*) AS objects, MAX(date_added) AS latest FROM stix_objects WHERE type = 'indicator'",
            as: Generation.self
        )
        return "\(row?.objects ?? 0):\(row?.latest ?? 0)"
    }
}
