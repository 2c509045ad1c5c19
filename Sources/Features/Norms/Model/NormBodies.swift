import EntenteProtocol

/// A regional or bilateral norm a participant adds to the record, beside the shipped catalogue.
public struct NormDefinition: RecordBody {
    public static let kind = RecordKind.norm
    public var code: String
    public var title: String
    public var text: String
    public var source: String
    public var scope: Norm.Scope

    public init(code: String, title: String, text: String, source: String, scope: Norm.Scope) {
        self.code = code
        self.title = title
        self.text = text
        self.source = source
        self.scope = scope
    }

    public func validate() throws(DocumentError) {
        guard (2...40).contains(code.utf8.count), code.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }) else {
            throw .invalid("code must be 2 to 40 lowercase letters, digits and hyphens")
        }
        guard NormCatalogue.norm(code) == nil else { throw .invalid("\(code) is a norm of the shipped catalogue") }
        try Bounds.text(title, "title", max: 200)
        try Bounds.text(text, "text", max: 4000)
        try Bounds.text(source, "source", max: 300)
    }

    public var norm: Norm { Norm(code: code, title: title, text: text, source: source, scope: scope) }
}

/// The author's commitment to a norm: since when, by which document.
public struct Commitment: RecordBody {
    public static let kind = RecordKind.commitment
    public var norm: String
    /// YYYY-MM-DD.
    public var date: String
    public var document: String

    public init(norm: String, date: String, document: String) {
        self.norm = norm
        self.date = date
        self.document = document
    }

    public func validate() throws(DocumentError) {
        try Bounds.text(norm, "norm", max: 40)
        try Bounds.date(date, "date")
        try Bounds.text(document, "document", max: 300)
    }
}

/// The author alleges that a case breached a norm, and by whom.
public struct Allegation: RecordBody {
    public static let kind = RecordKind.allegation
    public var norm: String
    public var caseReference: String
    /// The participant alleged to have breached it, if it is one; else who, in words.
    public var against: String
    public var note: String

    public init(norm: String, caseReference: String, against: String, note: String) {
        self.norm = norm
        self.caseReference = caseReference
        self.against = against
        self.note = note
    }

    public func validate() throws(DocumentError) {
        try Bounds.text(norm, "norm", max: 40)
        try Bounds.documentID(caseReference, "caseReference")
        try Bounds.text(against, "against", max: 200)
        try Bounds.text(note, "note", max: 4000, required: false)
    }
}
