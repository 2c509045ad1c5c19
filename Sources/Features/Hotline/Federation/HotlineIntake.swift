import EntenteProtocol
import Foundation
import Hotline
import Storage

/// Takes in a hotline message: valid on its template, stored once.
public struct HotlineMessageIntake: EnvelopeIntake {
    let store: NodeStore

    public init(store: NodeStore) { self.store = store }

    public var envelopeType: String { HotlineMessage.envelopeType }

    public func receive(_ envelope: Envelope, content: JSONValue, now: Date) async throws -> Date {
        let message = try content.decoded(as: HotlineMessage.self)
        do { try message.validate() } catch { throw ProtocolError.malformed(error.description) }
        return try await store.recordIncoming(envelope, message: message, now: now)
    }
}

/// Takes in a person's acknowledgement of a message this node sent to its sender.
public struct AcknowledgementIntake: EnvelopeIntake {
    let store: NodeStore

    public init(store: NodeStore) { self.store = store }

    public var envelopeType: String { Acknowledgement.envelopeType }

    public func receive(_ envelope: Envelope, content: JSONValue, now: Date) async throws -> Date {
        let acknowledgement = try content.decoded(as: Acknowledgement.self)
        do { try acknowledgement.validate() } catch { throw ProtocolError.malformed(error.description) }
        do {
            return try await store.recordIncoming(envelope, acknowledgement: acknowledgement, now: now)
        } catch StorageError.notFound(let what) {
            throw ProtocolError.malformed("acknowledgement refers to no \(what)")
        }
    }
}
