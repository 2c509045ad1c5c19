import EntenteProtocol
import Foundation

/// The decrypted content of a `hotline.message` envelope.
public struct HotlineMessage: Sendable, Codable, Equatable {
    public static let envelopeType = "hotline.message"

    public struct Attachment: Sendable, Codable, Equatable {
        public var name: String
        /// Lowercase hex SHA-256 of the file: attachments travel out of band, the hash pins them.
        public var sha256: String
        public var size: Int64
        public var mediaType: String

        public init(name: String, sha256: String, size: Int64, mediaType: String) {
            self.name = name
            self.sha256 = sha256
            self.size = size
            self.mediaType = mediaType
        }
    }

    public var template: Template
    public var priority: Priority
    public var subject: String
    public var body: String
    /// BCP 47 language tag of subject and body, e.g. `en`, `fr`, `ru`.
    public var language: String
    public var fields: [String: String]
    public var attachments: [Attachment]
    public var caseReference: String?
    /// The envelope id of the message this one answers.
    public var inReplyTo: String?
    /// RFC 3339 UTC; the sender's deadline for a person's acknowledgement.
    public var acknowledgeBy: String

    public init(
        template: Template,
        priority: Priority,
        subject: String,
        body: String = "",
        language: String = "en",
        fields: [String: String] = [:],
        attachments: [Attachment] = [],
        caseReference: String? = nil,
        inReplyTo: String? = nil,
        acknowledgeBy: String
    ) {
        self.template = template
        self.priority = priority
        self.subject = subject
        self.body = body
        self.language = language
        self.fields = fields
        self.attachments = attachments
        self.caseReference = caseReference
        self.inReplyTo = inReplyTo
        self.acknowledgeBy = acknowledgeBy
    }

    public static let maximumSubjectLength = 300
    public static let maximumBodyLength = 64 * 1024
    public static let maximumFieldLength = 8 * 1024
    public static let maximumAttachments = 32

    /// Checks everything a receiving node or a composing user must get right; the
    /// first problem found is the error.
    public func validate() throws(HotlineError) {
        let trimmedSubject = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedSubject.isEmpty else { throw .invalid("subject is required") }
        guard subject.count <= Self.maximumSubjectLength else { throw .invalid("subject is longer than \(Self.maximumSubjectLength) characters") }
        guard body.utf8.count <= Self.maximumBodyLength else { throw .invalid("body is longer than \(Self.maximumBodyLength) bytes") }
        guard Self.isLanguageTag(language) else { throw .invalid("language must be a BCP 47 tag such as en or fr-CA") }
        let allowed = Dictionary(uniqueKeysWithValues: template.fields.map { ($0.name, $0) })
        for (name, value) in fields {
            guard let field = allowed[name] else { throw .invalid("\(template.rawValue) has no field \(name)") }
            guard value.utf8.count <= Self.maximumFieldLength else { throw .invalid("\(name) is too long") }
            if let choices = field.choices, !choices.contains(value) {
                throw .invalid("\(name) must be one of \(choices.joined(separator: ", "))")
            }
        }
        for field in template.fields where field.required {
            guard let value = fields[field.name], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalid("\(field.label) (\(field.name)) is required for \(template.rawValue)")
            }
        }
        guard attachments.count <= Self.maximumAttachments else { throw .invalid("at most \(Self.maximumAttachments) attachments") }
        for attachment in attachments {
            guard attachment.sha256.count == 64, attachment.sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw .invalid("attachment \(attachment.name): sha256 must be 64 lowercase hex digits")
            }
            guard attachment.size >= 0, !attachment.name.isEmpty, attachment.name.count <= 255 else {
                throw .invalid("attachment \(attachment.name): invalid name or size")
            }
        }
        if template == .response, inReplyTo == nil { throw .invalid("a response must say which message it answers (inReplyTo)") }
        if let inReplyTo, !UUIDv7.isValid(inReplyTo) { throw .invalid("inReplyTo must be a message id") }
        if let caseReference, caseReference.isEmpty || caseReference.count > 64 { throw .invalid("case reference must be 1 to 64 characters") }
        guard Timestamp.milliseconds(acknowledgeBy) != nil else { throw .invalid("acknowledgeBy must be an RFC 3339 UTC timestamp") }
    }

    static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count), primary.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return false
        }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}

/// The decrypted content of a `hotline.acknowledgement` envelope: a person,
/// not a machine, confirms they have read and taken charge of a message.
public struct Acknowledgement: Sendable, Codable, Equatable {
    public static let envelopeType = "hotline.acknowledgement"

    public var messageID: String
    public var acknowledgedBy: String
    public var role: String
    public var acknowledgedAt: String

    public init(messageID: String, acknowledgedBy: String, role: String, acknowledgedAt: String) {
        self.messageID = messageID
        self.acknowledgedBy = acknowledgedBy
        self.role = role
        self.acknowledgedAt = acknowledgedAt
    }

    public func validate() throws(HotlineError) {
        guard UUIDv7.isValid(messageID) else { throw .invalid("messageID must be a message id") }
        guard !acknowledgedBy.isEmpty, acknowledgedBy.count <= 200, role.count <= 64 else { throw .invalid("invalid acknowledgedBy or role") }
        guard Timestamp.milliseconds(acknowledgedAt) != nil else { throw .invalid("acknowledgedAt must be an RFC 3339 UTC timestamp") }
    }
}

public enum HotlineError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let detail): detail
        }
    }
}
