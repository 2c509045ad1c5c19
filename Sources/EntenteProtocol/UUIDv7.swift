import Foundation

/// RFC 9562 version 7 UUIDs: 48 bits of Unix milliseconds, then randomness,
/// so ids sort by creation time and index well.
public enum UUIDv7 {
    public static func generate(at date: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        return generate(milliseconds: UInt64(max(0, date.timeIntervalSince1970 * 1000)), using: &generator)
    }

    public static func generate(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> UUID {
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - UInt64(index))))
        }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }

    /// Whether `text` is a lowercase, hyphenated version 7 UUID, the only form the wire format accepts.
    public static func isValid(_ text: String) -> Bool {
        guard text.utf8.count == 36, text == text.lowercased(), let uuid = UUID(uuidString: text) else { return false }
        return uuid.uuid.6 >> 4 == 7 && uuid.uuid.8 >> 6 == 0b10
    }

    public static func string(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }
}
