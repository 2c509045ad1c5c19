import Crypto
import EntenteProtocol
import Foundation

/// One signed step in a case, authored by one participant's node
/// (docs/PROTOCOL.md, "Case events"). It is signed on its own, not only by the
/// envelope that carries it, so any holder can relay it and every other holder
/// can still check who said it.
public struct CaseEvent: Sendable, Equatable {
    public static let documentType = "entente.case-event"

    public typealias Person = EntenteProtocol.Person

    public let id: String
    public let caseID: String
    /// The participant that opened the case (author of its report, whose id is the case id).
    public let owner: ParticipantID
    public let author: ParticipantID
    public let at: String
    /// The events the author had seen when it wrote this one (the heads of its history):
    /// every node orders the case by this graph, so arrival order does not matter.
    public let after: [String]
    public let by: Person
    public let action: CaseAction
    /// The signed JSON document exactly as it travels.
    public let document: JSONValue

    public var atMilliseconds: Int64 { Timestamp.milliseconds(at) ?? 0 }

    /// What breaks ties in a case's canonical order: time, then id.
    public struct OrderKey: Sendable, Hashable, Comparable {
        public let milliseconds: Int64
        public let id: String
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.milliseconds, lhs.id) < (rhs.milliseconds, rhs.id) }
    }

    public var orderKey: OrderKey { OrderKey(milliseconds: atMilliseconds, id: id) }

    /// Writes and signs a new event.
    public static func sign(
        _ action: CaseAction,
        caseID: String?,
        owner: ParticipantID,
        author: ParticipantID,
        after: [String],
        by: Person,
        key: Curve25519.Signing.PrivateKey,
        now: Date = Date()
    ) throws -> CaseEvent {
        try action.validate()
        let id = UUIDv7.string(UUIDv7.generate(at: now))
        let document: JSONValue = [
            "type": .string(documentType),
            "v": 1,
            "id": .string(id),
            "case": .string(caseID ?? id),
            "owner": .string(owner.rawValue),
            "author": .string(author.rawValue),
            "at": .string(Timestamp.format(now)),
            "after": .array(after.sorted().map(JSONValue.string)),
            "by": try JSONValue(encoding: by),
            "kind": .string(action.kind.rawValue),
            "body": try action.body,
        ]
        return try CaseEvent(document: try DocumentSignature.sign(document, with: key))
    }

    /// Reads an event's structure and body; the signature is checked by `verify(with:)`.
    public init(document: JSONValue) throws(DocumentError) {
        let header = try SignedDocumentHeader(document, type: Self.documentType, noun: "case event", extraMembers: ["case", "owner", "after"])
        let (id, author) = (header.id, header.author)
        guard let caseID = document["case"]?.stringValue, UUIDv7.isValid(caseID) else { throw .invalid("case must be a lowercase UUIDv7") }
        guard let owner = document["owner"]?.stringValue.flatMap(ParticipantID.init) else { throw .invalid("owner must be a participant id") }
        guard let afterList = document["after"]?.arrayValue, afterList.count <= 64 else { throw .invalid("after must list at most 64 events") }
        let after = afterList.compactMap(\.stringValue)
        guard after.count == afterList.count, after.allSatisfy(UUIDv7.isValid), after == after.sorted(), Set(after).count == after.count else {
            throw .invalid("after must be sorted, distinct event ids")
        }
        guard let kind = CaseAction.Kind(rawValue: header.kind) else { throw .invalid("unknown kind \(header.kind)") }
        let isReport = kind == .report
        guard isReport == (id == caseID) else { throw .invalid("a case's id is the id of its report, and only of its report") }
        guard !isReport || (after.isEmpty && author == owner) else { throw .invalid("a report opens its case: by its owner, after nothing") }
        guard isReport || !after.isEmpty else { throw .invalid("every event but the report follows another") }
        self.id = id
        self.caseID = caseID
        self.owner = owner
        self.author = author
        self.at = header.at
        self.after = after
        self.by = header.by
        self.action = try CaseAction(kind: kind, body: header.body)
        self.document = document
    }

    public func verify(with key: Curve25519.Signing.PublicKey) throws(DocumentError) {
        do { try DocumentSignature.verify(document, with: key) } catch {
            throw .invalid("event \(id) by \(author): \(error.description)")
        }
    }
}
