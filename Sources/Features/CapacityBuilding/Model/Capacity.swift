import EntenteProtocol

/// The topics of capacity building, after the five themes of the Global Forum on Cyber
/// Expertise's clearing house.
public enum CapacityTopic: String, Codable, Sendable, CaseIterable {
    case policyAndStrategy = "policy-and-strategy"
    case incidentManagement = "incident-management-and-cip"
    case cybercrime
    case cultureAndSkills = "culture-and-skills"
    case standards

    public var label: String {
        switch self {
        case .policyAndStrategy: "Cyber security policy and strategy"
        case .incidentManagement: "Incident management and critical infrastructure protection"
        case .cybercrime: "Cybercrime"
        case .cultureAndSkills: "Cyber security culture and skills"
        case .standards: "Cyber security standards"
        }
    }
}

public enum Region: String, Codable, Sendable, CaseIterable {
    case africa, americas
    case asiaPacific = "asia-pacific"
    case europe
    case middleEast = "middle-east"
    case global
}

public enum DeliveryFormat: String, Codable, Sendable, CaseIterable {
    case inPerson = "in-person"
    case remote, hybrid
}

public enum Funding: String, Codable, Sendable, CaseIterable {
    /// The requester needs the offer to be funded / the offer comes with funding.
    case funded
    /// The requester pays its own way / the offer brings expertise only.
    case selfFunded = "self-funded"
}

/// A participant asks for help on one topic.
public struct CapacityRequest: RecordBody {
    public static let kind = RecordKind.capacityRequest
    public var topic: CapacityTopic
    public var region: Region
    /// BCP 47 language tags the training can be given in.
    public var languages: [String]
    public var format: DeliveryFormat
    public var funding: Funding
    public var description: String

    public init(topic: CapacityTopic, region: Region, languages: [String], format: DeliveryFormat, funding: Funding, description: String) {
        self.topic = topic
        self.region = region
        self.languages = languages
        self.format = format
        self.funding = funding
        self.description = description
    }

    public func validate() throws(DocumentError) {
        try Capacity.languages(languages)
        try Bounds.text(description, "description", max: 4000)
    }
}

/// A participant offers help on some topics, regions, languages and formats.
public struct CapacityOffer: RecordBody {
    public static let kind = RecordKind.capacityOffer
    public var topics: [CapacityTopic]
    public var regions: [Region]
    public var languages: [String]
    public var formats: [DeliveryFormat]
    public var funding: Funding
    public var description: String

    public init(topics: [CapacityTopic], regions: [Region], languages: [String], formats: [DeliveryFormat], funding: Funding, description: String) {
        self.topics = topics
        self.regions = regions
        self.languages = languages
        self.formats = formats
        self.funding = funding
        self.description = description
    }

    public func validate() throws(DocumentError) {
        try Bounds.list(topics, "topics", count: 1...CapacityTopic.allCases.count)
        try Bounds.list(regions, "regions", count: 1...Region.allCases.count)
        try Bounds.list(formats, "formats", count: 1...DeliveryFormat.allCases.count)
        try Capacity.languages(languages)
        try Bounds.text(description, "description", max: 4000)
    }
}

/// Pairs a request with an offer; proposed by one side, agreed by the other with a progress entry.
public struct CapacityMatch: RecordBody {
    public static let kind = RecordKind.capacityMatch
    public var request: String
    public var offer: String

    public init(request: String, offer: String) {
        self.request = request
        self.offer = offer
    }

    public func validate() throws(DocumentError) {
        try Bounds.documentID(request, "request")
        try Bounds.documentID(offer, "offer")
    }
}

/// A step of a match towards completion.
public struct CapacityProgress: RecordBody {
    public static let kind = RecordKind.capacityProgress

    public enum Status: String, Codable, Sendable, CaseIterable {
        case proposed, agreed
        case inProgress = "in-progress"
        case completed, withdrawn
    }

    public var match: String
    public var status: Status
    public var note: String

    public init(match: String, status: Status, note: String) {
        self.match = match
        self.status = status
        self.note = note
    }

    public func validate() throws(DocumentError) {
        try Bounds.documentID(match, "match")
        guard status != .proposed else { throw .invalid("a match is proposed by the capacity-match entry itself") }
        try Bounds.text(note, "note", max: 2000, required: false)
    }
}

public enum Capacity {
    static func languages(_ tags: [String]) throws(DocumentError) {
        try Bounds.list(tags, "languages", count: 1...20)
        for tag in tags {
            guard (2...35).contains(tag.utf8.count),
                tag.utf8.allSatisfy({ (97...122).contains($0) || (65...90).contains($0) || (48...57).contains($0) || $0 == 45 })
            else {
                throw .invalid("\(tag) is not a language tag such as en or fr-CA")
            }
        }
    }

    /// How well an offer fits a request, or nil when it cannot serve it at all: the topic
    /// must be offered, the region covered (or the offer global), a language shared, and a
    /// request that needs funding needs a funded offer. Format and region fit add to the score.
    public static func fit(of offer: CapacityOffer, to request: CapacityRequest) -> Int? {
        guard offer.topics.contains(request.topic) else { return nil }
        guard offer.regions.contains(request.region) || offer.regions.contains(.global) else { return nil }
        let requested = Set(request.languages.map { $0.lowercased() })
        let shared = offer.languages.filter { requested.contains($0.lowercased()) }
        guard !shared.isEmpty else { return nil }
        guard request.funding == .selfFunded || offer.funding == .funded else { return nil }
        var score = 1
        if offer.regions.contains(request.region) { score += 1 }
        if offer.formats.contains(request.format) || offer.formats.contains(.hybrid) { score += 2 }
        return score + min(shared.count, 2)
    }
}
