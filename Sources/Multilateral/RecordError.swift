/// Why an entry of the multilateral record was refused; the message says what was wrong.
public enum RecordError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The entry is malformed or a field is out of bounds.
    case invalid(String)
    /// The entry is well formed but impossible in the record's current state.
    case refused(String)
    /// The author may not write in this space (not a member, not a party).
    case notAParticipant(String)

    public var description: String {
        switch self {
        case .invalid(let detail): "invalid record entry: \(detail)"
        case .refused(let detail), .notAParticipant(let detail): detail
        }
    }
}
