import Hummingbird
import NIOCore
import Storage

/// Who is making a request, once authenticated.
public enum Principal: Sendable {
    /// Holder of the node's operator token (the CLI).
    case operatorToken
    /// A signed-in person, through the web interface.
    case user(UserRecord, session: SessionRecord, tokenHash: String)

    public var name: String {
        switch self {
        case .operatorToken: "operator"
        case .user(let user, _, _): user.displayName
        }
    }

    /// The unique name TLP:RED objects address: the username, not the display name, which is neither unique nor restricted.
    public var accountName: String {
        switch self {
        case .operatorToken: "operator"
        case .user(let user, _, _): user.username
        }
    }

    public var role: Role {
        switch self {
        case .operatorToken: .operator
        case .user(let user, _, _): user.role
        }
    }

    var rateLimitKey: String {
        switch self {
        case .operatorToken: "operator"
        case .user(let user, _, _): "user:" + user.username
        }
    }
}

public struct NodeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var principal: Principal?
    /// Refused key changes on record, shown as a banner on every page until dealt with.
    public var keyAlertCount = 0

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
