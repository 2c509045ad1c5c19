import Hummingbird
import Languages
import NIOCore
import Storage

/// Who is making a request, once authenticated.
public enum Principal: Sendable {
    /// Holder of the node's operator token (the CLI).
    case operatorToken
    /// A signed-in person, through the web interface.
    case user(UserRecord, session: SessionRecord, tokenHash: String)
    /// A person through the API, by a personal token (`entente user token`): the CLI acting as them.
    case person(UserRecord)

    public var user: UserRecord? {
        switch self {
        case .operatorToken: nil
        case .user(let user, _, _), .person(let user): user
        }
    }

    public var name: String { user?.displayName ?? "operator" }

    /// The unique name TLP:RED objects address: the username, not the display name, which is neither unique nor restricted.
    public var accountName: String { user?.username ?? "operator" }

    public var role: Role { user?.role ?? .operator }

    var rateLimitKey: String { user.map { "user:" + $0.username } ?? "operator" }
}

public struct NodeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var principal: Principal?
    /// Refused key changes on record, shown as a banner on every page until dealt with.
    public var keyAlertCount = 0
    /// Transparency-log alerts on record, shown as a banner on every page.
    public var logAlertCount = 0
    /// The language the web interface speaks to this person: their choice, else their browser's, else English.
    public var interfaceLanguage = Language.english
    /// The page asked for, without its query: where the language switch comes back to.
    public var pagePath = "/inbox"

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
