/// Names that look machine-generated, in DNS queries, scored once each and gathered per querying host: a single
/// odd name is weak evidence, a host asking for many of them — most of them unanswered (NXDOMAIN) — is how a
/// domain-generation algorithm looks for its controller.
public struct GeneratedNameDetector: Sendable {
    /// Score thresholds fixed on the benign side of the labelled data (benign-test: 34,895 names), as
    /// `entente detect evaluate-dga` prints them: 1% and 0.1% of benign names score above.
    public static let suspectThreshold = 22.0
    public static let strongThreshold = 34.1
    /// Distinct suspect names from one host before the host itself is reported.
    public static let hostNames = 10

    let model: DomainNameModel
    private var scores: [String: Double?] = [:]
    private var hosts: [String: HostActivity] = [:]

    struct HostActivity {
        var suspect: Set<String> = []
        var unanswered = 0
        var first = Double.infinity
        var last = -Double.infinity
        var strongest: (name: String, score: Double)?
    }

    public init(model: DomainNameModel = .shipped) { self.model = model }

    public mutating func observe(_ event: NetworkEvent) {
        guard event.log == .dns, let query = event.query, let source = event.source else { return }
        let name = IndicatorIndex.normalisedDomain(query)
        let score: Double?
        if let known = scores[name] {
            score = known
        } else {
            score = model.score(of: name)
            if scores.count < 1_000_000 { scores[name] = score }
        }
        guard let score, score > Self.suspectThreshold else { return }
        var activity = hosts[source] ?? HostActivity()
        activity.suspect.insert(name)
        if event.responseCode == "NXDOMAIN" { activity.unanswered += 1 }
        activity.first = min(activity.first, event.time)
        activity.last = max(activity.last, event.time)
        if score > activity.strongest?.score ?? 0 { activity.strongest = (name, score) }
        hosts[source] = activity
    }

    /// A finding per host that asked for many generated-looking names, or for one that looks strongly generated.
    public var results: [Finding] {
        hosts.compactMap { source, activity -> Finding? in
            guard let strongest = activity.strongest, activity.suspect.count >= Self.hostNames || strongest.score > Self.strongThreshold else {
                return nil
            }
            let bits = model.surprise(of: strongest.name) ?? 0
            var reasons = [
                "\(strongest.name): its label is \(String(format: "%.1f", bits)) bits a character unlike the names people use (score \(String(format: "%.1f", strongest.score)); 0.1% of benign names score above \(Self.strongThreshold))"
            ]
            if activity.suspect.count > 1 {
                reasons.append("\(source) asked for \(activity.suspect.count) such names, \(activity.unanswered) of them unanswered (NXDOMAIN)")
            }
            let hostScore = min(1, strongest.score / (2 * Self.strongThreshold) + Double(activity.suspect.count) / 100)
            return Finding(
                kind: .dga,
                score: hostScore,
                source: source,
                destination: nil,
                domain: strongest.name,
                value: strongest.name,
                indicator: nil,
                count: activity.suspect.count,
                firstSeen: activity.first,
                lastSeen: activity.last,
                reasons: reasons
            )
        }
    }
}
