import EntenteProtocol
import Foundation
import Hotline
import Hummingbird
import Languages
import Storage

/// The hotline's pages: inbox and sent messages by priority, a thread, composing on a template.
struct HotlineWebRoutes: WebPage {
    let service: HotlineService
    let site: Site
    let languages: LanguageIdentifier?
    let translator: (any Translator)?

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("inbox") { _, context in try await self.messageList(.incoming, context) }
        web.get("sent") { _, context in try await self.messageList(.outgoing, context) }
        web.get("compose") { request, context in try await self.composePage(request, context) }
        web.post("compose") { request, context in try await self.compose(request, context) }
        web.get("messages/:id") { request, context in try await self.thread(request, context) }
        web.post("messages/:id/acknowledge") { request, context in try await self.acknowledge(request, context) }
    }

    func messageList(_ direction: Direction, _ context: NodeRequestContext) async throws -> Response {
        let now = Date()
        let role = context.principal?.role ?? .observer
        let messages = try await service.store.messages(direction: direction, limit: 500).map { $0.readable(by: role) }
        let groups = Priority.allCases.reversed().compactMap { priority -> MessageListPage.Group? in
            let inGroup = messages.filter { $0.content.priority == priority }
            guard !inGroup.isEmpty else { return nil }
            return MessageListPage.Group(
                priority: priority.rawValue,
                priorityTitle: priority.rawValue.uppercased(),
                count: inGroup.count,
                counterpartLabel: direction == .incoming ? "From" : "To",
                timeLabel: direction == .incoming ? "Received" : "Sent",
                messages: inGroup.map { summary($0, now: now, language: context.interfaceLanguage) }
            )
        }
        let overdue = messages.filter { $0.acknowledgementState(now: now) == .overdue }.count
        return render(
            MessageListPage(
                heading: direction == .incoming ? "Inbox" : "Sent messages",
                groups: groups,
                overdueCount: overdue == 0 ? nil : overdue,
                refreshSeconds: 30
            ),
            context
        )
    }

    func summary(_ message: StoredMessage, now: Date, language: Language) -> MessageListPage.Row {
        var summary: String?
        if message.direction == .outgoing {
            let delivered = message.deliveries.filter { $0.deliveredAt != nil }.count
            let acknowledged = message.deliveries.filter { $0.acknowledgedAt != nil }.count
            summary = "receipts \(delivered)/\(message.deliveries.count), acknowledged \(acknowledged)/\(message.deliveries.count)"
        }
        return MessageListPage.Row(
            heading: heading(message, state: message.acknowledgementState(now: now), language: language),
            counterpart: message.direction == .incoming ? message.sender : message.recipients.joined(separator: ", "),
            time: display(message.direction == .incoming ? message.receivedAt : message.sentAt),
            deliverySummary: summary
        )
    }

    /// A message's heading, its structure (priority, template) in the reader's language.
    func heading(_ message: StoredMessage, state: AcknowledgementState, language: Language) -> MessageHeading {
        let priority = message.content.priority
        let template = message.content.template
        return MessageHeading(
            id: message.id,
            subject: message.content.subject,
            priority: message.content.priority.rawValue,
            priorityTitle: HotlineVocabulary.text("priority.\(priority.rawValue)", in: language, fallback: priority.rawValue.uppercased()),
            templateTitle: HotlineVocabulary.text("template.\(template.rawValue)", in: language, fallback: template.title),
            exercise: message.exercise,
            tlpLabel: message.tlp.label,
            tlpClass: tlpClass(message.tlp),
            acknowledgeBy: display(message.acknowledgeBy),
            state: state.rawValue,
            stateTitle: state.rawValue.capitalized
        )
    }

    func thread(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id"), UUIDv7.isValid(id) else { return errorPage(context, .notFound, "No such message", "") }
        let role = context.principal?.role ?? .observer
        let messages = try await service.store.thread(of: id).map { $0.readable(by: role) }
        guard let focus = messages.first(where: { $0.id == id }) else {
            return errorPage(context, .notFound, "No such message", "There is no message \(id) on this node.")
        }
        let now = Date()
        let canWrite = context.principal?.role.canWrite ?? false
        let reader = context.interfaceLanguage
        let items = messages.map { message in
            let fields = Self.fields(of: message.content, in: reader)
            return ThreadPage.Message(
                heading: heading(message, state: message.acknowledgementState(now: now), language: reader),
                from: message.sender,
                to: message.recipients.joined(separator: ", "),
                sentAt: display(message.sentAt),
                receivedAt: display(message.receivedAt),
                language: Self.languageName(message.content.language),
                languageCode: message.content.language,
                identifiedLanguage: identifiedLanguage(of: message.content),
                body: message.content.body,
                caseReference: message.content.caseReference,
                fields: fields,
                hasFields: !fields.isEmpty,
                attachments: message.content.attachments.map {
                    ThreadPage.Attachment(name: $0.name, size: $0.size, mediaType: $0.mediaType, sha256: $0.sha256)
                },
                hasAttachments: !message.content.attachments.isEmpty,
                acknowledgedAt: message.acknowledgedAt.map(display),
                acknowledgedBy: message.acknowledgedBy,
                deliveries: message.deliveries.map { delivery in
                    ThreadPage.Delivery(
                        recipient: delivery.recipient,
                        deliveredAt: delivery.deliveredAt.map(display),
                        acknowledgedAt: delivery.acknowledgedAt.map(display),
                        acknowledgedBy: delivery.acknowledgedBy
                    )
                },
                hasDeliveries: !message.deliveries.isEmpty,
                canAcknowledge: canWrite && !message.isWithheld && message.direction == .incoming && message.acknowledgedAt == nil,
                canReply: canWrite && !message.isWithheld && message.direction == .incoming,
                withheld: message.isWithheld
            )
        }
        let asked = request.uri.queryParameters.get("gist").flatMap { Language(tag: $0) }
        let offersGist = translator != nil && !focus.isWithheld
        return render(
            ThreadPage(
                subject: focus.content.subject,
                messages: items,
                gistLanguages: offersGist ? Language.allCases.map { Option(value: $0.code, label: $0.label, selected: $0 == (asked ?? reader)) } : [],
                offersGist: offersGist,
                readerLanguage: reader.code,
                readerDirection: reader.isRightToLeft ? "rtl" : "ltr",
                gist: try await gist(of: focus, in: asked)
            ),
            context
        )
    }

    func acknowledge(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id"), UUIDv7.isValid(id) else { return errorPage(context, .notFound, "No such message", "") }
        guard let principal = context.principal else { return redirect("/login") }
        do {
            try await service.acknowledge(id, by: principal.name, role: principal.role.rawValue)
        } catch let failure as ServiceFailure {
            return errorPage(context, .conflict, "Could not acknowledge", failure.description)
        }
        return redirect("/messages/\(id)")
    }

    /// The compose form: empty, as a reply (`?replyTo=`) or on a template (`?template=`), or, after a refusal,
    /// with everything the person typed and the reason.
    func composePage(
        _ request: Request,
        _ context: NodeRequestContext,
        typed: ComposeForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let query = request.uri.queryParameters
        let replyTo = (typed?.inReplyTo ?? query.get("replyTo")).flatMap { UUIDv7.isValid($0) ? $0 : nil }
        let original = try await replyTo.asyncMap { try await service.store.message($0) } ?? nil
        let template =
            (typed?.template ?? query.get("template")).flatMap(Template.init(rawValue:)) ?? (original == nil ? .notification : .response)
        let peers = await service.peers.all()
        let policy = service.identity.acknowledgementPolicy
        let templates = Template.allCases.filter { $0 != .communicationCheck }
        let recipients = typed.map { Set($0.to ?? []) } ?? Set(original.map { [$0.sender] } ?? [])
        let priority = typed?.priority.flatMap(Priority.init(rawValue:)) ?? original?.content.priority ?? .routine
        let tlp = typed?.tlp.flatMap(TLP.init(rawValue:)) ?? original?.tlp ?? .amber
        return render(
            ComposePage(
                template: template.rawValue,
                templateTitle: template.title,
                templates: templates.enumerated().map { index, candidate in
                    ComposePage.TemplateLink(
                        value: candidate.rawValue,
                        title: candidate.title,
                        selected: candidate == template,
                        last: index == templates.count - 1,
                        replyTo: replyTo
                    )
                },
                replyTo: replyTo,
                replySubject: original?.content.subject,
                replyToExercise: original?.exercise ?? false,
                subject: typed?.subject ?? original.map { "Re: " + $0.content.subject } ?? "",
                body: typed?.body ?? "",
                languages: Language.allCases.map { language in
                    Option(
                        value: language.code,
                        label: language.label,
                        selected: language == Language(tag: typed?.language ?? "en")
                    )
                },
                caseReference: typed?.caseReference ?? "",
                exercise: typed?.exercise == "1",
                answerAsReal: typed?.answerAsReal == "1",
                peers: peers.map {
                    ComposePage.Recipient(id: $0.record.id.rawValue, name: $0.record.name, checked: recipients.contains($0.record.id.rawValue))
                },
                priorities: Priority.allCases.map { candidate in
                    ComposePage.PriorityChoice(
                        value: candidate.rawValue,
                        title: candidate.rawValue.capitalized,
                        selected: candidate == priority,
                        deadline: describe(policy.deadline(for: candidate))
                    )
                },
                tlps: tlpOptions(selected: tlp),
                fields: template.fields.map { field in
                    let value = typed?.fields?[field.name] ?? ""
                    return ComposePage.Field(
                        name: field.name,
                        label: field.label,
                        required: field.required,
                        value: value,
                        choices: (field.choices ?? []).map { Option(value: $0, selected: $0 == value) },
                        hasChoices: field.choices != nil
                    )
                },
                error: error
            ),
            context,
            status: status
        )
    }

    func compose(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(ComposeForm.self, request)
        func retry(_ message: String) async throws -> Response {
            try await composePage(request, context, typed: typed, error: message, status: .unprocessableContent)
        }
        guard let template = typed.template.flatMap(Template.init(rawValue:)) else { return try await retry("Choose a template.") }
        guard let priority = typed.priority.flatMap(Priority.init(rawValue:)) else { return try await retry("Choose a priority.") }
        guard let tlp = typed.tlp.flatMap(TLP.init(rawValue:)) else { return try await retry("Choose a TLP label.") }
        let recipients = (typed.to ?? []).compactMap(ParticipantID.init)
        guard !recipients.isEmpty else { return try await retry("Choose at least one recipient.") }
        var fields: [String: String] = [:]
        for field in template.fields { fields[field.name] = typed.fields?[field.name] }
        let draft = HotlineService.Draft(
            to: recipients,
            template: template,
            priority: priority,
            subject: typed.subject ?? "",
            body: typed.body ?? "",
            language: typed.language ?? "en",
            fields: fields,
            caseReference: nonEmpty(typed.caseReference),
            inReplyTo: nonEmpty(typed.inReplyTo),
            tlp: tlp,
            exercise: typed.exercise == "1",
            answersExerciseAsReal: typed.answerAsReal == "1"
        )
        do {
            let ids = try await service.send(draft, composedBy: context.principal?.name, role: context.principal?.role ?? .observer)
            return redirect("/messages/\(ids[0])")
        } catch let failure as ServiceFailure {
            return try await retry(failure.description)
        }
    }
}

/// What the compose form posts, URL-encoded: recipients as `to[]`, a template's fields as `fields[NAME]`.
/// Every member is optional, so a refused form can be shown again with whatever it held.
struct ComposeForm: Decodable {
    var template: String?
    var priority: String?
    var tlp: String?
    var to: [String]?
    var subject: String?
    var body: String?
    var language: String?
    var fields: [String: String]?
    var caseReference: String?
    var inReplyTo: String?
    var exercise: String?
    var answerAsReal: String?
}

extension HotlineWebRoutes {
    /// A language tag by name: `Français — French (fr)`; a tag outside the eight as it was sent.
    static func languageName(_ tag: String) -> String {
        guard let language = Language(tag: tag) else { return tag }
        return "\(language.label) (\(tag))"
    }

    /// The language the subject and body clearly read as, whatever was declared; nil for a close call.
    func readsAs(_ content: HotlineMessage) -> Language? {
        languages?.identify(content.subject + "\n" + content.body).flatMap { $0.isConfident ? $0.language : nil }
    }

    /// The language the text reads as, when it is not the one the sender declared: free text stays as written,
    /// and the reader is told what it is in.
    func identifiedLanguage(of content: HotlineMessage) -> String? {
        guard let found = readsAs(content), found != Language(tag: content.language) else { return nil }
        return found.label
    }
}

extension HotlineWebRoutes {
    /// A machine gist of the message's subject and body in `target`, from the language the text reads as (the
    /// declared one unless this node identifies another); what the page says when there is none.
    func gist(of message: StoredMessage, in target: Language?) async throws -> ThreadPage.Gist? {
        guard let target, let translator, !message.isWithheld else { return nil }
        let content = message.content
        let source = readsAs(content) ?? Language(tag: content.language)
        guard let source else {
            return ThreadPage.Gist(
                language: target.code,
                unavailable: "This message's language, \(content.language), is not one a machine translation here reads."
            )
        }
        guard source != target else {
            return ThreadPage.Gist(language: target.code, unavailable: "This message is already in \(target.label).")
        }
        do {
            let subject = try await translator.gist(content.subject, from: source, to: target)
            let body = try await translator.gist(content.body, from: source, to: target)
            return ThreadPage.Gist(
                language: target.code,
                label: "Machine translation by \(body.engine), \(body.route.path.map(\.label).joined(separator: " → ")): not the sender's words.",
                subject: subject.text,
                body: body.text
            )
        } catch {
            return ThreadPage.Gist(language: target.code, unavailable: "No gist: \(error.description).")
        }
    }
}

extension HotlineWebRoutes {
    /// A message's structured fields for a reader of `language`: the template's labels, and the values chosen from a
    /// field's choices, in that language; what the sender typed, as typed, marked with the language it was sent in.
    static func fields(of content: HotlineMessage, in language: Language) -> [ThreadPage.Field] {
        let template = Dictionary(uniqueKeysWithValues: content.template.fields.map { ($0.name, $0) })
        return content.fields.sorted { $0.key < $1.key }.map { name, value in
            let field = template[name]
            let chosen = field?.choices?.contains(value) == true
            return ThreadPage.Field(
                label: HotlineVocabulary.text("field.\(name)", in: language, fallback: field?.label ?? name),
                value: chosen ? HotlineVocabulary.text("choice.\(value)", in: language, fallback: value) : value,
                valueLanguage: chosen ? language.code : content.language
            )
        }
    }
}
