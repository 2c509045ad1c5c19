/// Why a case event or step was refused; the message says what was wrong.
public enum CaseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The event is malformed or one of its fields is out of bounds.
    case invalid(String)
    /// The event is well formed but impossible in the case's current state.
    case refused(String)
    /// The author is not a participant of the case.
    case notAParticipant(String)

    public var description: String {
        switch self {
        case .invalid(let detail): "invalid case event: \(detail)"
        case .refused(let detail): detail
        case .notAParticipant(let detail): detail
        }
    }
}
