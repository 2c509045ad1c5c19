import Crypto
import EntenteProtocol
import Federation
import Foundation
import Hotline
import Storage

/// What a Point of Contact or an operator can do on this node, whichever door
/// they come in by (API, web interface): the one place these rules live.
public struct HotlineService: Sendable {
    public let identity: LocalIdentity
    public let store: NodeStore
    public let peers: PeerDirectory
    public let outbox: OutboxWorker
    public var speaking = SpeakingPolicy.standard

    /// A message as a person composes it, before it is sealed.
    public struct Draft: Sendable {
        public var to: [ParticipantID]
        public var template: Template
        public var priority: Priority
        public var subject: String
        public var body: String
        public var language: String
        public var fields: [String: String]
        public var attachments: [HotlineMessage.Attachment]
        public var caseReference: String?
        public var inReplyTo: String?
        public var tlp: TLP
        public var exercise: Bool
        /// A reply to an exercise is an exercise too, unless the sender confirms it answers as real.
        public var answersExerciseAsReal: Bool

        public init(
            to: [ParticipantID],
            template: Template,
            priority: Priority,
            subject: String,
            body: String = "",
            language: String = "en",
            fields: [String: String] = [:],
            attachments: [HotlineMessage.Attachment] = [],
            caseReference: String? = nil,
            inReplyTo: String? = nil,
            tlp: TLP = .amber,
            exercise: Bool = false,
            answersExerciseAsReal: Bool = false
        ) {
            self.to = to
            self.template = template
            self.priority = priority
            self.subject = subject
            self.body = body
            self.language = language
            self.fields = fields
            self.attachments = attachments
            self.caseReference = caseReference
            self.inReplyTo = inReplyTo
            self.tlp = tlp
            self.exercise = exercise
            self.answersExerciseAsReal = answersExerciseAsReal
        }
    }

    /// Seals the draft to its recipients and stores it in the outbox; returns once it is durable.
    /// Recipients bound to this node by an agreement in force get that agreement's
    /// acknowledgement deadline, so the draft goes out as one envelope per deadline:
    /// the returned ids, the first for the earliest-sorted recipient. `role` is the composer's;
    /// nil when the node itself sends (a drill's scheduled inject, a communication check).
    @discardableResult
    /// `inject` is the drill inject this message carries (to its one recipient), marked sent with it.
    public func send(
        _ draft: Draft,
        composedBy: String?,
        role: Role?,
        inject: NodeStore.InjectDelivery? = nil,
        now: Date = Date()
    ) async throws -> [String] {
        if let role, draft.priority == .flash { try speaking.check(.flashNotification, role: role.rawValue) }
        var draft = draft
        let recipients = Array(Set(draft.to)).sorted()
        guard !recipients.isEmpty else { throw ServiceFailure.invalid("at least one recipient is required") }
        for recipient in recipients {
            guard recipient != identity.id else { throw ServiceFailure.invalid("a node cannot send to itself") }
            guard await peers.peer(recipient) != nil else { throw ServiceFailure.invalid("\(recipient) is not a peer of this node") }
        }
        if let inReplyTo = draft.inReplyTo {
            guard let original = try await store.message(inReplyTo) else {
                throw ServiceFailure.invalid("inReplyTo \(inReplyTo) is not a message on this node")
            }
            // An answer to a drill that went out unmarked would read as a real flash notification.
            if original.exercise, !draft.answersExerciseAsReal { draft.exercise = true }
        }
        let agreements = try await store.agreementBook()
        let byDeadline = Dictionary(grouping: recipients) { recipient in
            agreements.acknowledgementSeconds(priority: draft.priority, from: identity.id, to: recipient)
                ?? Int(identity.acknowledgementPolicy.deadline(for: draft.priority).components.seconds)
        }
        var ids: [String] = []
        for (seconds, group) in byDeadline.sorted(by: { $0.value[0] < $1.value[0] }) {
            ids.append(
                try await seal(
                    draft,
                    to: group,
                    acknowledgeBy: now.addingTimeInterval(TimeInterval(seconds)),
                    composedBy: composedBy,
                    inject: inject,
                    now: now
                )
            )
        }
        await outbox.wake()
        return ids
    }

    private func seal(
        _ draft: Draft,
        to recipients: [ParticipantID],
        acknowledgeBy: Date,
        composedBy: String?,
        inject: NodeStore.InjectDelivery?,
        now: Date
    ) async throws -> String {
        var keys: [(id: ParticipantID, key: Curve25519.KeyAgreement.PublicKey)] = []
        for recipient in recipients {
            guard let peer = await peers.peer(recipient) else { throw ServiceFailure.invalid("\(recipient) is not a peer of this node") }
            keys.append((recipient, peer.descriptor.keys.agreement))
        }
        let message = HotlineMessage(
            template: draft.template,
            priority: draft.priority,
            subject: draft.subject,
            body: draft.body,
            language: draft.language,
            fields: draft.fields.filter { !$0.value.isEmpty },
            attachments: draft.attachments,
            caseReference: draft.caseReference,
            inReplyTo: draft.inReplyTo,
            acknowledgeBy: Timestamp.format(acknowledgeBy)
        )
        do { try message.validate() } catch { throw ServiceFailure.invalid(error.description) }
        let envelope = try Envelope.seal(
            payload: try JSONValue(encoding: message),
            type: HotlineMessage.envelopeType,
            from: identity.id,
            signingKey: identity.keys.signing,
            to: keys,
            tlp: draft.tlp,
            exercise: draft.exercise,
            id: UUIDv7.string(UUIDv7.generate(at: now)),
            createdAt: Timestamp.format(now)
        )
        try await store.recordOutgoing(envelope, message: message, composedBy: composedBy, inject: inject, now: now)
        return envelope.id
    }

    /// A person takes charge of an incoming message; its sender gets a signed acknowledgement.
    public func acknowledge(_ messageID: String, by person: String, role: String, now: Date = Date()) async throws {
        guard let message = try await store.message(messageID) else { throw ServiceFailure.notFound("no message \(messageID)") }
        guard message.direction == .incoming else { throw ServiceFailure.invalid("only incoming messages are acknowledged") }
        guard message.acknowledgedAt == nil else { throw ServiceFailure.conflict("message \(messageID) is already acknowledged") }
        guard let sender = ParticipantID(message.sender), let peer = await peers.peer(sender) else {
            throw ServiceFailure.invalid("\(message.sender) is no longer a peer; cannot send the acknowledgement")
        }
        let acknowledgement = Acknowledgement(messageID: messageID, acknowledgedBy: person, role: role, acknowledgedAt: Timestamp.format(now))
        let envelope = try Envelope.seal(
            payload: try JSONValue(encoding: acknowledgement),
            type: Acknowledgement.envelopeType,
            from: identity.id,
            signingKey: identity.keys.signing,
            to: [(sender, peer.descriptor.keys.agreement)],
            tlp: message.tlp,
            exercise: message.exercise,
            id: UUIDv7.string(UUIDv7.generate(at: now)),
            createdAt: Timestamp.format(now)
        )
        guard try await store.recordAcknowledgement(of: messageID, by: "\(person) (\(role))", envelope: envelope, now: now) else {
            throw ServiceFailure.conflict("message \(messageID) is already acknowledged")
        }
        await outbox.wake()
    }

    /// Sends a communication check to each peer (or the named ones); returns the message ids.
    public func sendCommunicationChecks(
        to targets: [ParticipantID]? = nil,
        composedBy: String?,
        exercise: Bool = false,
        now: Date = Date()
    ) async throws -> [String: String] {
        let all = await peers.all().map(\.record.id)
        let recipients = targets ?? all
        guard !recipients.isEmpty else { throw ServiceFailure.conflict("this node has no peers to check") }
        var sent: [String: String] = [:]
        for recipient in recipients {
            sent[recipient.rawValue] = try await send(
                Draft(
                    to: [recipient],
                    template: .communicationCheck,
                    priority: .urgent,
                    subject: "Communication check from \(identity.name)",
                    body: "Please acknowledge this message to confirm that your Point of Contact is reachable.",
                    tlp: .green,
                    exercise: exercise
                ),
                composedBy: composedBy,
                role: nil,
                now: now
            )[0]
        }
        return sent
    }
}
