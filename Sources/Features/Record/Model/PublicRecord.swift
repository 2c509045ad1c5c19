import EntenteProtocol

/// The public part of the record every node shares with all its peers: added norms,
/// commitments, alleged breaches, CBM implementation, capacity-building requests,
/// offers and matches. Applied in time order; refused entries are kept with the reason.
public struct PublicRecord: Sendable {
    public struct Item<Body: RecordBody>: Sendable {
        public var entry: RecordEntry
        public var body: Body
        public var id: String { entry.id }
        public var author: ParticipantID { entry.author }
    }

    public struct MatchRecord: Sendable {
        public var entry: RecordEntry
        public var request: Item<CapacityRequest>
        public var offer: Item<CapacityOffer>
        public var status: CapacityProgress.Status = .proposed
        public var history: [Item<CapacityProgress>] = []
        public var id: String { entry.id }
        public var sides: [ParticipantID] { [request.author, offer.author] }
        public var isActive: Bool { status != .withdrawn && status != .completed }
    }

    public private(set) var addedNorms: [Item<NormDefinition>] = []
    public private(set) var commitments: [Item<Commitment>] = []
    public private(set) var allegations: [Item<Allegation>] = []
    /// The latest status each participant recorded for each measure.
    public private(set) var measureStatuses: [ParticipantID: [Int: Item<MeasureStatus>]] = [:]
    public private(set) var requests: [Item<CapacityRequest>] = []
    public private(set) var offers: [Item<CapacityOffer>] = []
    public private(set) var matches: [MatchRecord] = []
    public private(set) var refusals: [ForumState.Refusal] = []

    public var norms: [Norm] { NormCatalogue.shipped + addedNorms.map(\.body.norm) }
    public func norm(_ code: String) -> Norm? { norms.first { $0.code == code } }

    public init(entries: [RecordEntry]) {
        for entry in entries.sorted(by: RecordEntry.chronological) {
            do { try apply(entry) } catch { refuse(entry, error) }
        }
    }

    /// Keeps an entry that broke a rule, with the rule, so that every node agrees on it.
    mutating func refuse(_ entry: RecordEntry, _ error: DocumentError) {
        refusals.append(.init(entry: entry, reason: error.description))
    }

    public mutating func apply(_ entry: RecordEntry) throws(DocumentError) {
        guard entry.space == .publicRecord else { throw .invalid("entry \(entry.id) is not in the public record") }
        switch entry.kind {
        case .norm:
            let body = try Self.body(of: entry, as: NormDefinition.self)
            guard norm(body.code) == nil else { throw .refused("a norm \(body.code) is already in the catalogue") }
            addedNorms.append(Item(entry: entry, body: body))
        case .commitment:
            let body = try Self.body(of: entry, as: Commitment.self)
            guard norm(body.norm) != nil else { throw .refused("no norm \(body.norm) in the catalogue") }
            commitments.append(Item(entry: entry, body: body))
        case .allegation:
            let body = try Self.body(of: entry, as: Allegation.self)
            guard norm(body.norm) != nil else { throw .refused("no norm \(body.norm) in the catalogue") }
            allegations.append(Item(entry: entry, body: body))
        case .cbmStatus:
            let body = try Self.body(of: entry, as: MeasureStatus.self)
            measureStatuses[entry.author, default: [:]][body.measure] = Item(entry: entry, body: body)
        case .capacityRequest:
            requests.append(Item(entry: entry, body: try Self.body(of: entry, as: CapacityRequest.self)))
        case .capacityOffer:
            offers.append(Item(entry: entry, body: try Self.body(of: entry, as: CapacityOffer.self)))
        case .capacityMatch:
            let body = try Self.body(of: entry, as: CapacityMatch.self)
            guard let request = requests.first(where: { $0.id == body.request }) else { throw .refused("no capacity request \(body.request)") }
            guard let offer = offers.first(where: { $0.id == body.offer }) else { throw .refused("no capacity offer \(body.offer)") }
            guard entry.author == request.author || entry.author == offer.author else {
                throw .refused("only the requester or the offerer proposes a match")
            }
            guard Capacity.fit(of: offer.body, to: request.body) != nil else { throw .refused("the offer cannot serve this request") }
            guard !matches.contains(where: { $0.request.id == request.id && $0.isActive }) else {
                throw .refused("request \(request.id) is already matched")
            }
            matches.append(MatchRecord(entry: entry, request: request, offer: offer))
        case .capacityProgress:
            let body = try Self.body(of: entry, as: CapacityProgress.self)
            guard let index = matches.firstIndex(where: { $0.id == body.match }) else { throw .refused("no match \(body.match)") }
            let match = matches[index]
            guard match.sides.contains(entry.author) else { throw .refused("only the two sides of a match record its progress") }
            try Self.check(body.status, after: match.status, by: entry.author, proposer: match.entry.author)
            matches[index].status = body.status
            matches[index].history.append(Item(entry: entry, body: body))
        default:
            throw .invalid("a \(entry.kind.rawValue) entry does not belong in the public record")
        }
    }

    /// proposed → agreed (by the other side) → in progress → completed; withdrawn from any open step.
    static func check(
        _ next: CapacityProgress.Status,
        after current: CapacityProgress.Status,
        by author: ParticipantID,
        proposer: ParticipantID
    ) throws(DocumentError) {
        let allowed: Bool =
            switch (current, next) {
            case (.proposed, .agreed): author != proposer
            case (.agreed, .inProgress), (.agreed, .completed), (.inProgress, .completed): true
            case (.proposed, .withdrawn), (.agreed, .withdrawn), (.inProgress, .withdrawn): true
            default: false
            }
        guard allowed else {
            if current == .proposed, next == .agreed { throw .refused("the other side agrees to a match, not the one that proposed it") }
            throw .refused("a match that is \(current.rawValue) cannot become \(next.rawValue)")
        }
    }

    private static func body<Body: RecordBody>(of entry: RecordEntry, as type: Body.Type) throws(DocumentError) -> Body {
        guard let body = entry.decoded(as: type) else { throw .invalid("not a \(Body.kind.rawValue)") }
        return body
    }

    /// Offers that can serve `request`, best fit first.
    public func suggestions(for request: Item<CapacityRequest>) -> [(offer: Item<CapacityOffer>, fit: Int)] {
        offers.compactMap { offer in
            guard offer.author != request.author, let fit = Capacity.fit(of: offer.body, to: request.body) else { return nil }
            return (offer, fit)
        }.sorted { ($0.fit, $1.offer.id) > ($1.fit, $0.offer.id) }
    }

    public func status(of participant: ParticipantID, measure: Int) -> Item<MeasureStatus>? { measureStatuses[participant]?[measure] }
}
