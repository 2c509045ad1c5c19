import Crypto
import EntenteProtocol
import Foundation

/// Where an entry of the multilateral record lives, which decides who receives it:
/// the public record goes to every pinned peer, a forum's entries to its host and
/// members, an agreement's to its parties (docs/PROTOCOL.md, "The multilateral record").
public enum RecordSpace: Sendable, Hashable, CustomStringConvertible {
    case publicRecord
    /// Named by the id of the forum's charter entry.
    case forum(String)
    /// Named by the id of the agreement's text entry.
    case agreement(String)

    public init?(_ text: String) {
        if text == "public" {
            self = .publicRecord
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, UUIDv7.isValid(parts[1]) else { return nil }
        switch parts[0] {
        case "forum": self = .forum(parts[1])
        case "agreement": self = .agreement(parts[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .publicRecord: "public"
        case .forum(let id): "forum:\(id)"
        case .agreement(let id): "agreement:\(id)"
        }
    }

    /// The id of the entry that opens the space, if it has one.
    public var openingEntryID: String? {
        switch self {
        case .publicRecord: nil
        case .forum(let id), .agreement(let id): id
        }
    }
}

/// What an entry says; each kind belongs to one sort of space and has one body type.
public enum RecordKind: String, Sendable, Codable, CaseIterable {
    // A forum's life: charter, tabled texts, amendments, votes and their published result.
    case forum, proposal, amendment
    case amendmentDecision = "amendment-decision"
    case voteCall = "vote-call"
    case ballot, result
    // An agreement: its text and obligations, then each party's signature.
    case agreement
    case agreementSignature = "agreement-signature"
    // The public record: norms, commitments, alleged breaches, CBM implementation, capacity building.
    case norm, commitment, allegation
    case cbmStatus = "cbm-status"
    case capacityRequest = "capacity-request"
    case capacityOffer = "capacity-offer"
    case capacityMatch = "capacity-match"
    case capacityProgress = "capacity-progress"

    var opensSpace: Bool { self == .forum || self == .agreement }

    func belongs(in space: RecordSpace) -> Bool {
        switch (self, space) {
        case (.forum, .forum), (.proposal, .forum), (.amendment, .forum), (.amendmentDecision, .forum),
            (.voteCall, .forum), (.ballot, .forum), (.result, .forum):
            true
        case (.agreement, .agreement), (.agreementSignature, .agreement): true
        case (.norm, .publicRecord), (.commitment, .publicRecord), (.allegation, .publicRecord), (.cbmStatus, .publicRecord),
            (.capacityRequest, .publicRecord), (.capacityOffer, .publicRecord), (.capacityMatch, .publicRecord),
            (.capacityProgress, .publicRecord):
            true
        default: false
        }
    }
}

/// One signed entry of the multilateral record, authored by one participant's node.
/// Like a case event it is signed on its own, so a host can relay it and every
/// receiver still knows who said it; a ballot is such an entry.
public struct RecordEntry: Sendable, Equatable {
    public static let documentType = "entente.record-entry"
    public static let maximumBodyBytes = 256 * 1024

    public let id: String
    public let space: RecordSpace
    public let author: ParticipantID
    public let at: String
    public let by: Person
    public let kind: RecordKind
    public let body: JSONValue
    /// The signed JSON document exactly as it travels.
    public let document: JSONValue

    public var atMilliseconds: Int64 { Timestamp.milliseconds(at) ?? 0 }

    /// Writes and signs a new entry; an entry that opens a space (`forum`, `agreement`) names it by its own id.
    public static func sign(
        _ kind: RecordKind,
        body: JSONValue,
        in space: RecordSpace?,
        author: ParticipantID,
        by: Person,
        key: Curve25519.Signing.PrivateKey,
        now: Date = Date()
    ) throws(DocumentError) -> RecordEntry {
        let id = UUIDv7.string(UUIDv7.generate(at: now))
        let space: RecordSpace =
            switch kind {
            case .forum: .forum(id)
            case .agreement: .agreement(id)
            default: space ?? .publicRecord
            }
        let document: JSONValue = [
            "type": .string(documentType), "v": 1, "id": .string(id), "space": .string(space.description),
            "author": .string(author.rawValue), "at": .string(Timestamp.format(now)),
            "by": ["name": .string(by.name), "role": .string(by.role)], "kind": .string(kind.rawValue), "body": body,
        ]
        let signed: JSONValue
        do { signed = try DocumentSignature.sign(document, with: key) } catch { throw .invalid("cannot sign: \(error)") }
        return try RecordEntry(document: signed)
    }

    /// Reads an entry's structure and checks its body; the signature is checked by `verify(with:)`.
    public init(document: JSONValue) throws(DocumentError) {
        let header = try SignedDocumentHeader(document, type: Self.documentType, noun: "record entry", extraMembers: ["space"])
        let id = header.id
        guard let space = document["space"]?.stringValue.flatMap(RecordSpace.init) else {
            throw .invalid("space must be public, forum:<id> or agreement:<id>")
        }
        guard let kind = RecordKind(rawValue: header.kind) else { throw .invalid("unknown kind \(header.kind)") }
        guard kind.belongs(in: space) else { throw .invalid("a \(kind.rawValue) entry does not belong in \(space)") }
        guard kind.opensSpace == (space.openingEntryID == id) else {
            throw .invalid("a forum or agreement is named by the id of the entry that opens it, and only that entry")
        }
        let body = header.body
        guard body.canonicalBytes.count <= Self.maximumBodyBytes else { throw .invalid("body is larger than \(Self.maximumBodyBytes) bytes") }
        try RecordBodies.validate(body, as: kind)
        self.id = id
        self.space = space
        self.author = header.author
        self.at = header.at
        self.by = header.by
        self.kind = kind
        self.body = body
        self.document = document
    }

    public func verify(with key: Curve25519.Signing.PublicKey) throws(DocumentError) {
        do { try DocumentSignature.verify(document, with: key) } catch {
            throw .invalid("entry \(id) by \(author): \(error.description)")
        }
    }

    /// The body as its kind's type; `init(document:)` has already checked it decodes.
    public func decoded<Body: RecordBody>(as type: Body.Type) -> Body? {
        guard kind == Body.kind else { return nil }
        return try? body.decoded(as: type)
    }

    /// Ordering every node applies: by time, then id.
    public static func chronological(_ lhs: RecordEntry, _ rhs: RecordEntry) -> Bool {
        (lhs.atMilliseconds, lhs.id) < (rhs.atMilliseconds, rhs.id)
    }
}

/// A body of one kind: a Codable value with its bounds. A body must consist of
/// exactly its type's members, so nothing unchecked travels under a signature.
public protocol RecordBody: Codable, Sendable, Equatable {
    static var kind: RecordKind { get }
    func validate() throws(DocumentError)
}

extension RecordBody {
    public var json: JSONValue {
        get throws { try JSONValue(encoding: self) }
    }
}

/// Every kind's body type, so that an entry's body is checked before anything else reads it.
enum RecordBodies {
    static let types: [RecordKind: any RecordBody.Type] = [
        .forum: ForumCharter.self, .proposal: Proposal.self, .amendment: Amendment.self, .amendmentDecision: AmendmentDecision.self,
        .voteCall: VoteCall.self, .ballot: Ballot.self, .result: VoteResult.Body.self,
        .agreement: AgreementText.self, .agreementSignature: AgreementSignature.self,
        .norm: NormDefinition.self, .commitment: Commitment.self, .allegation: Allegation.self, .cbmStatus: MeasureStatus.self,
        .capacityRequest: CapacityRequest.self, .capacityOffer: CapacityOffer.self, .capacityMatch: CapacityMatch.self,
        .capacityProgress: CapacityProgress.self,
    ]

    static func validate(_ body: JSONValue, as kind: RecordKind) throws(DocumentError) {
        guard let type = types[kind] else { throw .invalid("no body type for \(kind.rawValue)") }
        try type.check(body)
    }
}

extension RecordBody {
    static func check(_ body: JSONValue) throws(DocumentError) {
        let value: Self
        do { value = try body.decoded(as: Self.self) } catch { throw .invalid("\(kind.rawValue): \(error.description)") }
        guard (try? JSONValue(encoding: value)) == body else {
            throw .invalid("\(kind.rawValue): the body has members or values this kind does not define")
        }
        try value.validate()
    }
}
