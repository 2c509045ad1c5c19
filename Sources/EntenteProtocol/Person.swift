/// The person on a node who took a signed step, and in which role: the node
/// signs, the record keeps who acted for it.
public struct Person: Codable, Sendable, Equatable {
    public var name: String
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }

    public var isValid: Bool { !name.isEmpty && name.utf8.count <= 200 && role.utf8.count <= 64 }
}
