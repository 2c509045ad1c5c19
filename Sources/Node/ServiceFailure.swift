import Foundation

/// Why a person's or operator's request was refused, whichever service refused it.
public enum ServiceFailure: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case notFound(String)
    case conflict(String)
    /// The person or account is known, but this is not theirs to do.
    case forbidden(String)
    case fingerprintMismatch(expected: String, actual: String)

    public var description: String {
        switch self {
        case .invalid(let detail), .notFound(let detail), .conflict(let detail), .forbidden(let detail): detail
        case .fingerprintMismatch(let expected, let actual):
            "fingerprint mismatch: expected \(expected), the node at that address presents \(actual)"
        }
    }
}
