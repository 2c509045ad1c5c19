/// A participant's short identifier, as people write it: an ISO 3166-1 alpha-3
/// code for a state (`EST`), an acronym for an organisation (`OSCE`).
/// 2 to 32 characters from `A-Z`, `0-9` and `-`, starting with a letter.
public struct ParticipantID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (2...32).contains(bytes.count), (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[0]),
            bytes.allSatisfy({ byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            })
        else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ParticipantID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid participant id \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum ParticipantKind: String, Sendable, Codable, CaseIterable {
    case state
    case organization
    case `private`
}
