import CanonicalJSON
import Foundation

/// Why a signed document (a case event, a record entry) or the step it records was refused;
/// the message says what was wrong.
public enum DocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The document is malformed or one of its fields is out of bounds.
    case invalid(String)
    /// The document is well formed but impossible in the current state of its case or space.
    case refused(String)
    /// The author does not take part (not a participant, member or party).
    case notAParticipant(String)

    public var description: String {
        switch self {
        case .invalid(let detail), .refused(let detail), .notAParticipant(let detail): detail
        }
    }
}

/// The members every signed document of the protocol shares (docs/PROTOCOL.md, "Signed
/// documents"), read and checked once for all of them: type and version, a UUIDv7 id, the
/// author, the time, the person who wrote it, a kind, a body and a signature. Each kind of
/// document names the members it adds and reads its kind and body its own way.
public struct SignedDocumentHeader: Sendable {
    public static let members: Set<String> = ["type", "v", "id", "author", "at", "by", "kind", "body", "signature"]

    public let id: String
    public let author: ParticipantID
    public let at: String
    public let by: Person
    public let kind: String
    public let body: JSONValue

    /// `noun` names the document in errors ("case event"); `extraMembers` are the members its kind adds.
    public init(_ document: JSONValue, type: String, noun: String, extraMembers: Set<String>) throws(DocumentError) {
        guard let members = document.objectValue else { throw .invalid("a \(noun) must be a JSON object") }
        if let unknown = Set(members.keys).subtracting(Self.members.union(extraMembers)).sorted().first {
            throw .invalid("unknown member \(unknown)")
        }
        guard document["type"]?.stringValue == type, document["v"]?.integerValue == 1 else { throw .invalid("not a version 1 \(noun)") }
        guard let id = document["id"]?.stringValue, UUIDv7.isValid(id) else { throw .invalid("id must be a lowercase UUIDv7") }
        guard let author = document["author"]?.stringValue.flatMap(ParticipantID.init) else { throw .invalid("author must be a participant id") }
        guard let at = document["at"]?.stringValue, Timestamp.milliseconds(at) != nil else {
            throw .invalid("at must be an RFC 3339 UTC timestamp with milliseconds")
        }
        guard let by = try? document["by"]?.decoded(as: Person.self), by.isValid else { throw .invalid("by must name a person and a role") }
        guard let kind = document["kind"]?.stringValue else { throw .invalid("kind must be a string") }
        guard let body = document["body"] else { throw .invalid("missing body") }
        guard document["signature"] != nil else { throw .invalid("unsigned") }
        self.id = id
        self.author = author
        self.at = at
        self.by = by
        self.kind = kind
        self.body = body
    }
}

/// The bounds every field of a signed document's body is checked against, worded the same way everywhere.
public enum Bounds {
    public static func text(_ value: String, _ name: String, max: Int, required: Bool = true) throws(DocumentError) {
        if required, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .invalid("\(name) is required") }
        guard value.utf8.count <= max else { throw .invalid("\(name) is longer than \(max) bytes") }
    }

    public static func list<T>(_ values: [T], _ name: String, count: ClosedRange<Int>) throws(DocumentError) {
        guard count.contains(values.count) else { throw .invalid("\(name) must list \(count.lowerBound) to \(count.upperBound) items") }
    }

    /// One to `max` items, none twice.
    public static func items<T: Hashable>(_ values: [T], _ name: String, max: Int) throws(DocumentError) {
        try list(values, name, count: 1...max)
        try distinct(values, name)
    }

    public static func distinct<T: Hashable>(_ values: [T], _ name: String) throws(DocumentError) {
        guard Set(values).count == values.count else { throw .invalid("\(name) lists an item twice") }
    }

    /// The id of another document: a lowercase UUIDv7.
    public static func documentID(_ value: String, _ name: String) throws(DocumentError) {
        guard UUIDv7.isValid(value) else { throw .invalid("\(name) must be a document id (lowercase UUIDv7)") }
    }

    public static func timestamp(_ value: String, _ name: String) throws(DocumentError) {
        guard Timestamp.milliseconds(value) != nil else { throw .invalid("\(name) must be an RFC 3339 UTC timestamp with milliseconds") }
    }

    public static func sha256(_ value: String, _ name: String) throws(DocumentError) {
        guard value.utf8.count == 64, value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .invalid("\(name) must be a lowercase hex SHA-256")
        }
    }

    /// A calendar date, YYYY-MM-DD.
    public static func date(_ value: String, _ name: String) throws(DocumentError) {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil, (1...12).contains(month), (1...31).contains(day)
        else { throw .invalid("\(name) must be a date, YYYY-MM-DD") }
    }
}
