import EntenteProtocol
import Foundation
import Hummingbird

/// The directory page: this node and every pinned peer with fingerprints and points of contact, and the
/// refused key changes.
struct DirectoryWebRoutes: WebPage {
    let service: PeerService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("directory") { _, context in try await self.directory(context) }
    }

    func directory(_ context: NodeRequestContext) async throws -> Response {
        let identity = service.identity
        var participants: [[String: Any]] = [participant(identity.descriptor, isSelf: true, pinnedAt: nil)]
        for peer in await service.peers.all() {
            var values = participant(peer.descriptor, isSelf: false, pinnedAt: peer.record.pinnedAt)
            values["endpoint"] = peer.record.endpoint
            participants.append(values)
        }
        let alerts = try await service.store.keyAlerts().map { alert -> [String: Any] in
            [
                "raisedAt": display(alert.raisedAt), "peer": alert.peer, "detail": alert.detail,
                "offeredFingerprint": Fingerprint(alert.offeredFingerprint)?.description ?? alert.offeredFingerprint,
            ]
        }
        return html(
            pages.render("directory", base(context).merging(["participants": participants, "alerts": alerts, "hasAlerts": !alerts.isEmpty]) { $1 })
        )
    }

    func participant(_ descriptor: NodeDescriptor, isSelf: Bool, pinnedAt: Date?) -> [String: Any] {
        [
            "id": descriptor.id.rawValue, "name": descriptor.name, "kind": descriptor.kind.rawValue, "endpoint": descriptor.endpoint,
            "fingerprint": descriptor.keys.fingerprint.description, "isSelf": isSelf, "pinnedAt": present(pinnedAt.map(display)),
            "pointsOfContact": descriptor.pointsOfContact.map { contact -> [String: Any] in
                [
                    "role": contact.role.rawValue, "name": contact.name, "email": contact.email, "phone": present(contact.phone),
                    "languages": contact.languages.joined(separator: ", "), "timeZone": contact.timeZone,
                    "availability": contact.availability.rawValue,
                ]
            },
        ]
    }
}
