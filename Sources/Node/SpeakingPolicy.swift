import Cases
import Multilateral
import Storage

/// Who speaks for the state (docs/SECURITY.md, "Who speaks for the state"). Political acts —
/// an attribution, a joint statement or a co-signature, a ballot, an agreement or a signature
/// of one, a norm commitment or an alleged breach, a flash notification to another state —
/// are signed by this node only for the roles the node's policy names, by default the
/// diplomatic Point of Contact. The operator administers the node and speaks for nobody; the
/// technical Point of Contact handles requests, evidence and intelligence.
public struct SpeakingPolicy: Sendable, Equatable {
    public var politicalRoles: Set<Role>

    public init(politicalRoles: Set<Role>) { self.politicalRoles = politicalRoles }

    public static let standard = SpeakingPolicy(politicalRoles: [.diplomaticPOC])

    public enum Act: Sendable, Equatable, CustomStringConvertible {
        case caseEvent(CaseAction.Kind)
        case recordEntry(RecordKind)
        case flashNotification

        public var isPolitical: Bool {
            switch self {
            case .caseEvent(let kind): [.attribution, .statement, .cosignature].contains(kind)
            case .recordEntry(let kind): [.ballot, .agreement, .agreementSignature, .commitment, .allegation].contains(kind)
            case .flashNotification: true
            }
        }

        public var description: String {
            switch self {
            case .caseEvent(.cosignature): "co-signing a joint statement"
            case .caseEvent(let kind): "a case \(kind.rawValue)"
            case .recordEntry(.agreementSignature): "signing an agreement"
            case .recordEntry(let kind): "a record \(kind.rawValue)"
            case .flashNotification: "a flash notification to another state"
            }
        }
    }

    /// Whether `role` may perform `act`: what the web interface offers it.
    public func allows(_ act: Act, role: Role?) -> Bool {
        !act.isPolitical || role.map(politicalRoles.contains) == true
    }

    /// Refuses a political act by anyone whose role (as recorded on the signed document) the policy does not name.
    public func check(_ act: Act, role: String) throws(ServiceFailure) {
        guard act.isPolitical else { return }
        guard let role = Role(rawValue: role), politicalRoles.contains(role) else {
            let allowed = politicalRoles.map(\.title).sorted().joined(separator: " or ")
            throw .forbidden("\(act) speaks for the state: on this node only the \(allowed) signs it, not the \(Role(rawValue: role)?.title ?? role)")
        }
    }
}
