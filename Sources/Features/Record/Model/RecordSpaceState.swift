import EntenteProtocol

/// One space of the record as folded from the entries held: the public record, a forum or
/// an agreement, each applied in time order (`RecordEntry.chronological`). A node keeps it
/// in memory and extends it entry by entry instead of refolding the space for each one.
public struct RecordSpaceState: Sendable {
    public enum Fold: Sendable {
        case publicRecord(PublicRecord)
        case forum(ForumState)
        case agreement(AgreementState)
    }

    public let space: RecordSpace
    public private(set) var fold: Fold
    /// Entries applied or refused, and the latest of them: a new entry can be applied last
    /// only if it sorts after it.
    public private(set) var entries: [RecordEntry] = []
    private var held: Set<String> = []
    private var latest: RecordEntry?

    public init(space: RecordSpace, entries: [RecordEntry]) {
        self.space = space
        switch space {
        case .publicRecord: fold = .publicRecord(PublicRecord(entries: []))
        case .forum(let id): fold = .forum(ForumState(id: id, entries: []))
        case .agreement(let id): fold = .agreement(AgreementState(id: id, entries: []))
        }
        for entry in entries.filter({ $0.space == space }).sorted(by: RecordEntry.chronological) {
            do { try apply(entry) } catch { refuse(entry, error) }
        }
    }

    /// The state after `entries` as well (each applied, or kept with its refusal), computed
    /// from this one — or nil when one of them sorts before an entry already applied, or is
    /// already held, and the space must be refolded from every entry.
    public func extended(with entries: [RecordEntry]) -> RecordSpaceState? {
        var state = self
        for entry in entries.sorted(by: RecordEntry.chronological) {
            guard state.sortsLast(entry) else { return nil }
            do { try state.apply(entry) } catch { state.refuse(entry, error) }
        }
        return state
    }

    /// The state after `entries` as well: extended from this one where they sort last, else
    /// refolded from the entries this state holds and the new ones.
    public func adding(_ entries: [RecordEntry]) -> RecordSpaceState {
        extended(with: entries) ?? RecordSpaceState(space: space, entries: self.entries + entries)
    }

    /// Whether `entry` is new to this space and comes after every entry applied, so that
    /// applying it to this state gives what refolding the space with it would.
    public func sortsLast(_ entry: RecordEntry) -> Bool {
        entry.space == space && !held.contains(entry.id) && (latest.map { RecordEntry.chronological($0, entry) } ?? true)
    }

    /// Applies one more entry, or says which rule it breaks and changes nothing.
    public mutating func apply(_ entry: RecordEntry) throws(DocumentError) {
        switch fold {
        case .publicRecord(var record):
            try record.apply(entry)
            fold = .publicRecord(record)
        case .forum(var forum):
            try forum.apply(entry)
            fold = .forum(forum)
        case .agreement(var agreement):
            try agreement.apply(entry)
            fold = .agreement(agreement)
        }
        noteHeld(entry)
    }

    private mutating func refuse(_ entry: RecordEntry, _ error: DocumentError) {
        switch fold {
        case .publicRecord(var record):
            record.refuse(entry, error)
            fold = .publicRecord(record)
        case .forum(var forum):
            forum.refuse(entry, error)
            fold = .forum(forum)
        case .agreement(var agreement):
            agreement.refuse(entry, error)
            fold = .agreement(agreement)
        }
        noteHeld(entry)
    }

    private mutating func noteHeld(_ entry: RecordEntry) {
        entries.append(entry)
        held.insert(entry.id)
        if latest.map({ RecordEntry.chronological($0, entry) }) ?? true { latest = entry }
    }

    /// Whether anything of the space is held: its opening entry, or any entry of the public record.
    public var isHeld: Bool { !held.isEmpty }

    public var publicRecord: PublicRecord? { if case .publicRecord(let record) = fold { record } else { nil } }
    public var forum: ForumState? { if case .forum(let forum) = fold { forum } else { nil } }
    public var agreement: AgreementState? { if case .agreement(let agreement) = fold { agreement } else { nil } }

    /// Who receives the space's entries: a forum's host and members, or an agreement's
    /// parties; nil for the public record (every peer) or while the opening entry is not held.
    public var audience: [ParticipantID]? {
        switch fold {
        case .publicRecord: nil
        case .forum(let forum): forum.host == nil ? nil : forum.audience
        case .agreement(let agreement): agreement.agreement == nil ? nil : agreement.parties
        }
    }

    /// The participant that relays the space's entries to members an author missed: a forum's host.
    public var relay: ParticipantID? { forum?.host }
}
