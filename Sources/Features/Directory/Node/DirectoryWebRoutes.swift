import EntenteProtocol
import Foundation
import Hummingbird
import WebInterface

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
        var participants = [participant(identity.descriptor, endpoint: identity.descriptor.endpoint, isSelf: true, pinnedAt: nil)]
        for peer in await service.peers.all() {
            participants.append(participant(peer.descriptor, endpoint: peer.record.endpoint, isSelf: false, pinnedAt: peer.record.pinnedAt))
        }
        let alerts = try await service.store.keyAlerts().map { alert in
            DirectoryPage.Alert(
                raisedAt: display(alert.raisedAt),
                peer: alert.peer,
                detail: alert.detail,
                offeredFingerprint: Fingerprint(alert.offeredFingerprint)?.description ?? alert.offeredFingerprint
            )
        }
        return render(DirectoryPage(participants: participants, alerts: alerts, hasAlerts: !alerts.isEmpty), context)
    }

    /// A participant as its descriptor describes it; a peer at the endpoint this node pinned for it.
    func participant(_ descriptor: NodeDescriptor, endpoint: String, isSelf: Bool, pinnedAt: Date?) -> DirectoryPage.Participant {
        DirectoryPage.Participant(
            id: descriptor.id.rawValue,
            name: descriptor.name,
            kind: descriptor.kind.rawValue,
            endpoint: endpoint,
            fingerprint: descriptor.keys.fingerprint.description,
            isSelf: isSelf,
            pinnedAt: pinnedAt.map(display),
            pointsOfContact: descriptor.pointsOfContact.map { contact in
                DirectoryPage.Contact(
                    role: contact.role.rawValue,
                    name: contact.name,
                    email: contact.email,
                    phone: contact.phone,
                    languages: contact.languages.joined(separator: ", "),
                    timeZone: contact.timeZone,
                    availability: contact.availability.rawValue
                )
            }
        )
    }
}
