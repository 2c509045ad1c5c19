import EntenteProtocol
import Foundation

/// Affected sectors, from the published list of the EU NIS 2 Directive
/// (Directive (EU) 2022/2555, Annexes I and II): one vocabulary every participant reads alike.
public enum Sector: String, Codable, Sendable, CaseIterable {
    case energy, transport, banking
    case financialMarketInfrastructure = "financial-market-infrastructure"
    case health
    case drinkingWater = "drinking-water"
    case wasteWater = "waste-water"
    case digitalInfrastructure = "digital-infrastructure"
    case ictServiceManagement = "ict-service-management"
    case publicAdministration = "public-administration"
    case space
    case postalAndCourier = "postal-and-courier"
    case wasteManagement = "waste-management"
    case chemicals, food, manufacturing
    case digitalProviders = "digital-providers"
    case research
}

public enum Impact: String, Codable, Sendable, CaseIterable { case low, moderate, high, severe }

public enum IncidentStatus: String, Codable, Sendable, CaseIterable { case ongoing, contained, recovered }

/// What a request for information or assistance asks of the other side.
public enum Ask: String, Codable, Sendable, CaseIterable { case logs, indicators, takedown, investigation, mitigation }

public enum ResponseDecision: String, Codable, Sendable, CaseIterable { case accepted, declined, partial }

/// Likelihood in the estimative language of US Intelligence Community Directive 203.
public enum Likelihood: String, Codable, Sendable, CaseIterable {
    case almostNoChance = "almost no chance"
    case veryUnlikely = "very unlikely"
    case unlikely
    case roughlyEvenChance = "roughly even chance"
    case likely
    case veryLikely = "very likely"
    case almostCertain = "almost certain"

    /// The probability range ICD 203 gives each term, in percent.
    public var percentRange: ClosedRange<Int> {
        switch self {
        case .almostNoChance: 1...5
        case .veryUnlikely: 5...20
        case .unlikely: 20...45
        case .roughlyEvenChance: 45...55
        case .likely: 55...80
        case .veryLikely: 80...95
        case .almostCertain: 95...99
        }
    }
}

/// Confidence in an analytic judgement, stated separately from its likelihood (ICD 203).
public enum Confidence: String, Codable, Sendable, CaseIterable { case low, moderate, high }

public enum ActorKind: String, Codable, Sendable, CaseIterable {
    case state
    case stateLinkedGroup = "state-linked-group"
    case unknown
}

public enum AttributionBasis: String, Codable, Sendable, CaseIterable {
    case technical, intelligence
    case politicalContext = "political-context"
}

/// Which Point of Contact is expected to answer a request; escalation goes to the other one.
public enum ResponsibleDesk: String, Codable, Sendable, CaseIterable {
    case technical, diplomatic
}

/// A due time as people give it: `30m`, `2h`, `7d` from now.
public enum DueWithin {
    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]

    /// The wire timestamp `text` after `now`, or nil if `text` is not a positive duration of at most ten years.
    public static func timestamp(_ text: String, from now: Date) -> String? {
        guard let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount > 0, amount * unit <= 3650 * 86_400 else {
            return nil
        }
        return Timestamp.format(now.addingTimeInterval(amount * unit))
    }
}
