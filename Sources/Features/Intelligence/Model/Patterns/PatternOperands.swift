import Foundation

/// STIX timestamps as patterns read them: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, upper-case `T` and `Z`, kept to
/// the microsecond (further digits are dropped, as the reference matcher does).
enum PatternTimestamp {
    /// The grammar's TimestampLiteral: digits in range, before any calendar check.
    static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes.last == UInt8(ascii: "Z")
        else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard number(0..<4) != nil, let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19)
        else { return false }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return false }
        if bytes.count == 20 { return true }
        return bytes[19] == UInt8(ascii: ".") && bytes.count > 21 && number(20..<bytes.count - 1) != nil
    }

    /// Microseconds since 1970 of a timestamp that exists (no 30 February, no leap second), or nil.
    static func microseconds(_ text: String) -> Int64? {
        guard isWellFormed(text) else { return nil }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        let (hour, minute, second) = (number(11..<13), number(14..<16), number(17..<19))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard year >= 1, day <= monthDays[month - 1], second <= 59 else { return nil }
        var fraction = 0
        if bytes.count > 20 {
            let digits = bytes[20..<bytes.count - 1].prefix(6)
            fraction = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            for _ in digits.count..<6 { fraction *= 10 }
        }
        // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = Int64(era * 146_097 + dayOfEra - 719_468)
        return ((days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)) * 1_000_000) + Int64(fraction)
    }
}

/// The literals of `IN (…)`: all of one type (integers and floats count as one: numbers).
public struct PatternSet: Sendable {
    public let members: [PatternLiteral]
    var isTimestamps: Bool { if case .timestamp = members.first { true } else { false } }

    init(_ members: [PatternLiteral]) throws(PatternError) {
        func sort(_ literal: PatternLiteral) -> Int {
            switch literal {
            case .integer, .float: 0
            case .string: 1
            case .bool: 2
            case .binary: 3
            case .timestamp: 4
            }
        }
        guard Set(members.map(sort)).count <= 1 else { throw .invalid("the members of a set are all of one type") }
        self.members = members
    }
}

/// `LIKE`: `%` any run of characters, `_` any one, both short of a line break; the whole value must match
/// (a final line break aside), after NFC normalisation of both sides.
public struct LikePattern: Sendable {
    let scalars: [Unicode.Scalar]

    init(_ text: String) { scalars = Array(text.precomposedStringWithCanonicalMapping.unicodeScalars) }

    func matches(_ value: String) -> Bool {
        var subject = Array(value.precomposedStringWithCanonicalMapping.unicodeScalars)
        if matches(subject[...], scalars[...]) { return true }
        guard subject.last == "\n" else { return false }
        subject.removeLast()
        return matches(subject[...], scalars[...])
    }

    /// Glob matching with backtracking to the last `%` only: linear in practice, never exponential.
    private func matches(_ subject: ArraySlice<Unicode.Scalar>, _ pattern: ArraySlice<Unicode.Scalar>) -> Bool {
        var s = subject.startIndex
        var p = pattern.startIndex
        var resume: (pattern: Int, subject: Int)?
        while s < subject.endIndex {
            if p < pattern.endIndex, pattern[p] == "%" {
                resume = (p, s)
                p += 1
            } else if p < pattern.endIndex, subject[s] != "\n", pattern[p] == "_" || pattern[p] == subject[s] {
                s += 1
                p += 1
            } else if let (starAt, subjectAt) = resume, subject[subjectAt] != "\n" {
                resume = (starAt, subjectAt + 1)
                p = starAt + 1
                s = subjectAt + 1
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == "%" { p += 1 }
        return p == pattern.endIndex
    }
}

/// `MATCHES`: a regular expression searched anywhere in the value, after NFC normalisation of both sides.
/// Binary values are searched byte for byte, when the expression is all code points below 256.
public struct PatternRegex: @unchecked Sendable {
    let expression: NSRegularExpression
    let appliesToBinary: Bool

    init(_ text: String) throws(PatternError) {
        let normalised = text.precomposedStringWithCanonicalMapping
        if Self.hasNestedRepetition(normalised) {
            throw .invalid("MATCHES '\(text)': a repeated group that itself repeats can take exponential time on a crafted value")
        }
        // ICU refuses the empty expression, which matches everywhere.
        do { expression = try NSRegularExpression(pattern: normalised.isEmpty ? "(?:)" : normalised) } catch {
            throw .invalid("MATCHES '\(text)': not a regular expression")
        }
        appliesToBinary = normalised.unicodeScalars.allSatisfy { $0.value < 256 }
    }

    /// A backtracking engine runs in exponential time on `(a+)+`-like expressions (ReDoS), and a pattern may
    /// come from a hostile partner: a group that holds a repetition and is itself repeated is refused.
    static func hasNestedRepetition(_ expression: String) -> Bool {
        var groupRepeats: [Bool] = []
        var escaped = false
        var inClass = false
        var lastClosedRepeats = false
        for scalar in expression.unicodeScalars {
            defer { if scalar != ")" { lastClosedRepeats = false } }
            if escaped {
                escaped = false
                continue
            }
            switch scalar {
            case "\\": escaped = true
            case "[": inClass = true
            case "]": inClass = false
            case "(" where !inClass: groupRepeats.append(false)
            case ")" where !inClass:
                let inner = groupRepeats.popLast() ?? false
                if inner, let last = groupRepeats.indices.last { groupRepeats[last] = true }
                lastClosedRepeats = inner
                continue
            case "+", "*", "{":
                guard !inClass else { break }
                if lastClosedRepeats { return true }
                if let last = groupRepeats.indices.last { groupRepeats[last] = true }
            default: break
            }
        }
        return false
    }

    func matches(_ value: String) -> Bool {
        let subject = value.precomposedStringWithCanonicalMapping
        return expression.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil
    }

    /// Each byte as the code point of its value (ISO 8859-1), so that the expression reads bytes.
    func matches(_ bytes: [UInt8]) -> Bool {
        guard appliesToBinary else { return false }
        let subject = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        return expression.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil
    }
}

/// An IPv4 or IPv6 address, parsed from its text without allocating: log matching parses millions.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    public init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ IPAddress(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = address
    }

    /// A dotted-quad IPv4 address, or an IPv6 address in RFC 4291 text (`::` and an IPv4 tail included).
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return nil }
        if !bytes.contains(UInt8(ascii: ":")) {
            guard let value = Self.ipv4(bytes) else { return nil }
            self = .v4(value)
            return
        }
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var gap: Int?
        var index = 0
        if bytes.count >= 2, bytes[0] == UInt8(ascii: ":") {
            guard bytes[1] == UInt8(ascii: ":") else { return nil }
            gap = 0
            index = 2
        }
        while index < bytes.count {
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: ":") { end += 1 }
            let field = UnsafeRawBufferPointer(rebasing: bytes[index..<end])
            if field.contains(UInt8(ascii: ".")) {
                // An IPv4 tail: the last two groups.
                guard end == bytes.count, let tail = Self.ipv4(field) else { return nil }
                groups.append(UInt16(tail >> 16))
                groups.append(UInt16(tail & 0xFFFF))
                index = end
                break
            }
            guard (1...4).contains(field.count) else { return nil }
            var value: UInt16 = 0
            for byte in field {
                guard let digit = Self.hexDigit(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            groups.append(value)
            guard groups.count <= 8 else { return nil }
            if end == bytes.count { break }
            // "::" marks the gap, once; a single ':' separates.
            if end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = groups.count
                index = end + 2
            } else {
                guard end + 1 < bytes.count else { return nil }
                index = end + 1
            }
        }
        if let gap {
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        self = .v6(
            high: groups[0..<4].reduce(0) { $0 << 16 | UInt64($1) },
            low: groups[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
        )
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func ipv4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { return nil }
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard part <= 255 else { return nil }
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    public var bitWidth: Int { if case .v4 = self { 32 } else { 128 } }

    /// The first `prefix` bits, the rest cleared.
    public func masked(_ prefix: Int) -> IPAddress {
        func mask64(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> bits) }
        switch self {
        case .v4(let value): return .v4(prefix <= 0 ? 0 : prefix >= 32 ? value : value & ~(UInt32.max >> prefix))
        case .v6(let high, let low): return .v6(high: high & mask64(prefix), low: low & mask64(prefix - 64))
        }
    }

    public var description: String {
        switch self {
        case .v4(let value): return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        case .v6(let high, let low):
            return [high >> 48, high >> 32, high >> 16, high, low >> 48, low >> 32, low >> 16, low]
                .map { String($0 & 0xFFFF, radix: 16) }.joined(separator: ":")
        }
    }
}

/// An IPv4 or IPv6 CIDR network; an address is a network of one.
public struct IPNetwork: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Host bits cleared.
    public let address: IPAddress
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        var prefix = address.bitWidth
        if parts.count == 2 {
            guard let length = Int(parts[1]), String(length) == parts[1], (0...address.bitWidth).contains(length) else { return nil }
            prefix = length
        }
        self.prefix = prefix
        self.address = address.masked(prefix)
    }

    /// Whether `other` lies within this network.
    public func contains(_ other: IPNetwork) -> Bool {
        other.address.bitWidth == address.bitWidth && other.prefix >= prefix && other.address.masked(prefix) == address
    }

    public var description: String { "\(address)/\(prefix)" }
}
