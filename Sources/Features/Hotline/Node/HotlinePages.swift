import WebInterface

/// What the inbox, a thread and the list of sent messages show of every message.
struct MessageHeading: PageModel {
    let id: String
    let subject: String
    let priority: String
    let priorityTitle: String
    let templateTitle: String
    let exercise: Bool
    let tlpLabel: String
    let tlpClass: String
    let acknowledgeBy: String
    let state: String
    let stateTitle: String
}

/// The inbox or the sent messages, grouped by priority, flash first.
struct MessageListPage: Page {
    static let template = "messages"

    struct Group: PageModel {
        let priority: String
        let priorityTitle: String
        let count: Int
        let counterpartLabel: String
        let timeLabel: String
        let messages: [Row]
    }

    struct Row: PageModel {
        let heading: MessageHeading
        let counterpart: String
        let time: String
        /// Receipts and acknowledgements so far, for a sent message.
        let deliverySummary: String?
    }

    let heading: String
    let groups: [Group]
    let overdueCount: Int?
    let refreshSeconds: Int
}

/// A message with the messages it answers and that answer it.
struct ThreadPage: Page {
    static let template = "thread"

    /// A machine gist of the message, or why there is none.
    struct Gist: PageModel {
        let language: String
        var label: String? = nil
        var subject: String? = nil
        var body: String? = nil
        var unavailable: String? = nil
    }

    struct Message: PageModel {
        let heading: MessageHeading
        let from: String
        let to: String
        let sentAt: String
        let receivedAt: String
        /// The declared language by name, and its tag for the text's `lang`.
        let language: String
        let languageCode: String
        /// What the text reads as, when that is not the declared language.
        let identifiedLanguage: String?
        let body: String
        let caseReference: String?
        let fields: [Field]
        let hasFields: Bool
        let attachments: [Attachment]
        let hasAttachments: Bool
        let acknowledgedAt: String?
        let acknowledgedBy: String?
        let deliveries: [Delivery]
        let hasDeliveries: Bool
        let canAcknowledge: Bool
        let canReply: Bool
        let withheld: Bool
    }

    struct Field: PageModel {
        let label: String
        let value: String
        /// The reader's language for a value chosen from the template's choices; the sender's for one typed.
        let valueLanguage: String
    }

    struct Attachment: PageModel {
        let name: String
        let size: Int64
        let mediaType: String
        let sha256: String
    }

    struct Delivery: PageModel {
        let recipient: String
        let deliveredAt: String?
        let acknowledgedAt: String?
        let acknowledgedBy: String?
    }

    let subject: String
    let messages: [Message]
    /// The languages a gist may be asked in: none without an engine, or for a withheld message.
    let gistLanguages: [Option]
    let offersGist: Bool
    /// The reader's language and direction: the structure is shown in it.
    let readerLanguage: String
    let readerDirection: String
    let gist: Gist?
}

/// The compose form on one template: empty, as a reply, or again with what was typed and why it was refused.
struct ComposePage: Page {
    static let template = "compose"

    struct TemplateLink: PageModel {
        let value: String
        let title: String
        let selected: Bool
        let last: Bool
        let replyTo: String?
    }

    struct Recipient: PageModel {
        let id: String
        let name: String
        let checked: Bool
    }

    struct PriorityChoice: PageModel {
        let value: String
        let title: String
        let selected: Bool
        /// How long the recipient has to acknowledge, under this node's policy.
        let deadline: String
    }

    struct Field: PageModel {
        let name: String
        let label: String
        let required: Bool
        let value: String
        let choices: [Option]
        let hasChoices: Bool
    }

    let template: String
    let templateTitle: String
    let templates: [TemplateLink]
    let replyTo: String?
    let replySubject: String?
    let replyToExercise: Bool
    let subject: String
    let body: String
    let languages: [Option]
    let caseReference: String
    let exercise: Bool
    let answerAsReal: Bool
    let peers: [Recipient]
    let priorities: [PriorityChoice]
    let tlps: [Option]
    let fields: [Field]
    let error: String?
}
