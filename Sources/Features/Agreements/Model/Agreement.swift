import EntenteProtocol
import Hotline

/// An operational obligation of an agreement, in a form the hotline applies.
public struct Obligation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Acknowledge a hotline message of `priority` from another party within `withinSeconds`.
        case acknowledge
        /// Notify the other parties of an incident affecting their critical infrastructure within `withinSeconds`.
        case notifyIncident = "notify-incident"
    }

    public var kind: Kind
    /// For `acknowledge`: the message priority it applies to (routine, urgent, flash).
    public var priority: Priority?
    public var withinSeconds: Int
    public var description: String

    public init(kind: Kind, priority: Priority? = nil, withinSeconds: Int, description: String) {
        self.kind = kind
        self.priority = priority
        self.withinSeconds = withinSeconds
        self.description = description
    }

    func validate() throws(DocumentError) {
        guard (60...30 * 86_400).contains(withinSeconds) else { throw .invalid("an obligation's time is 60 seconds to 30 days") }
        switch kind {
        case .acknowledge:
            guard priority != nil else { throw .invalid("an acknowledge obligation names a priority: routine, urgent or flash") }
        case .notifyIncident:
            guard priority == nil else { throw .invalid("a notify-incident obligation has no priority") }
        }
        try Bounds.text(description, "description", max: 500, required: false)
    }
}

/// An agreement's text, parties and obligations; the author is one of the parties.
public struct AgreementText: RecordBody {
    public static let kind = RecordKind.agreement
    public var title: String
    public var text: String
    public var parties: [ParticipantID]
    public var obligations: [Obligation]

    public init(title: String, text: String, parties: [ParticipantID], obligations: [Obligation]) {
        self.title = title
        self.text = text
        self.parties = parties
        self.obligations = obligations
    }

    public func validate() throws(DocumentError) {
        try Bounds.text(title, "title", max: 300)
        try Bounds.text(text, "text", max: Proposal.maximumTextBytes)
        try Bounds.list(parties, "parties", count: 2...100)
        try Bounds.distinct(parties, "parties")
        try Bounds.list(obligations, "obligations", count: 0...50)
        for obligation in obligations { try obligation.validate() }
    }
}

/// A party signs the agreement: its node's signature over this entry binds it to the text's digest.
public struct AgreementSignature: RecordBody {
    public static let kind = RecordKind.agreementSignature
    /// SHA-256 of the canonical agreement entry.
    public var agreementDigest: String

    public init(agreementDigest: String) { self.agreementDigest = agreementDigest }

    public func validate() throws(DocumentError) { try Bounds.sha256(agreementDigest, "agreementDigest") }
}

/// An agreement as the record holds it: in force once every party has signed the exact text.
public struct AgreementState: Sendable {
    public let id: String
    public private(set) var entry: RecordEntry?
    public private(set) var agreement: AgreementText?
    public private(set) var signatures: [RecordEntry] = []
    public private(set) var refusals: [ForumState.Refusal] = []

    public var parties: [ParticipantID] { agreement?.parties.sorted() ?? [] }
    public var digest: String? { entry.map { Digest.sha256($0.document.canonicalBytes) } }
    public var signedBy: [ParticipantID] { signatures.map(\.author).sorted() }
    public var unsignedBy: [ParticipantID] { parties.filter { !signedBy.contains($0) } }
    public var isInForce: Bool { agreement != nil && unsignedBy.isEmpty }
    /// When the last party signed.
    public var inForceSince: String? { isInForce ? signatures.map(\.at).max() : nil }

    public init(id: String, entries: [RecordEntry]) {
        self.id = id
        for entry in entries.sorted(by: RecordEntry.chronological) {
            do { try apply(entry) } catch { refuse(entry, error) }
        }
    }

    /// Keeps an entry that broke a rule, with the rule, so that every node agrees on it.
    mutating func refuse(_ entry: RecordEntry, _ error: DocumentError) {
        refusals.append(.init(entry: entry, reason: error.description))
    }

    public mutating func apply(_ entry: RecordEntry) throws(DocumentError) {
        guard entry.space == .agreement(id) else { throw .invalid("entry \(entry.id) is not in agreement \(id)") }
        switch entry.kind {
        case .agreement:
            guard self.entry == nil, let body = entry.decoded(as: AgreementText.self) else {
                throw .refused("the agreement's text is already recorded")
            }
            guard body.parties.contains(entry.author) else { throw .notAParticipant("\(entry.author) proposes an agreement it is not a party to") }
            self.entry = entry
            agreement = body
        case .agreementSignature:
            guard let agreement, let digest else { throw .refused("agreement \(id) is not on this node") }
            guard agreement.parties.contains(entry.author) else { throw .notAParticipant("\(entry.author) is not a party to \(agreement.title)") }
            guard entry.decoded(as: AgreementSignature.self)?.agreementDigest == digest else {
                throw .refused("\(entry.author) signed another text than this agreement's")
            }
            guard !signedBy.contains(entry.author) else { throw .refused("\(entry.author) has already signed") }
            signatures.append(entry)
        default:
            throw .invalid("a \(entry.kind.rawValue) entry does not belong in an agreement")
        }
    }

    /// The agreement's time for acknowledging a message of `priority` sent by one party to another.
    public func acknowledgementSeconds(priority: Priority, from sender: ParticipantID, to recipient: ParticipantID) -> Int? {
        guard isInForce, sender != recipient, parties.contains(sender), parties.contains(recipient) else { return nil }
        return agreement?.obligations.filter { $0.kind == .acknowledge && $0.priority == priority }.map(\.withinSeconds).min()
    }
}

/// The obligations of every agreement in force, as the hotline asks about them.
public struct AgreementBook: Sendable {
    public let agreements: [AgreementState]

    public init(_ agreements: [AgreementState]) { self.agreements = agreements }

    /// The shortest time any agreement in force between `sender` and `recipient` allows for
    /// acknowledging a message of `priority`; nil when no agreement binds the two.
    public func acknowledgementSeconds(priority: Priority, from sender: ParticipantID, to recipient: ParticipantID) -> Int? {
        agreements.compactMap { $0.acknowledgementSeconds(priority: priority, from: sender, to: recipient) }.min()
    }
}
