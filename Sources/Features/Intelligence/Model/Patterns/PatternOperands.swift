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
        // ICU refuses the empty expression, which matches everywhere.
        do { expression = try NSRegularExpression(pattern: normalised.isEmpty ? "(?:)" : normalised) } catch {
            throw .invalid("MATCHES '\(text)': not a regular expression")
        }
        appliesToBinary = normalised.unicodeScalars.allSatisfy { $0.value < 256 }
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

/// An IPv4 or IPv6 address or CIDR network: an address is a network of one.
public struct IPNetwork: Sendable, Equatable, Hashable {
    /// 4 or 16 bytes, host bits cleared.
    public let address: [UInt8]
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPNetwork.address(String(parts[0])) else { return nil }
        var prefix = address.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), String(length) == parts[1], (0...address.count * 8).contains(length) else { return nil }
            prefix = length
        }
        self.prefix = prefix
        self.address = Self.masked(address, prefix)
    }

    /// Whether `other` lies within this network.
    public func contains(_ other: IPNetwork) -> Bool {
        other.address.count == address.count && other.prefix >= prefix && Self.masked(other.address, prefix) == address
    }

    static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(max(prefix - index * 8, 0), 8)
            return bits == 8 ? byte : bits == 0 ? 0 : byte & ~UInt8(0xFF >> bits)
        }
    }

    /// The bytes of a dotted-quad IPv4 or an IPv6 address (RFC 4291 text, `::` and an IPv4 tail included).
    public static func address(_ text: String) -> [UInt8]? {
        if !text.contains(":") { return ipv4(Substring(text)) }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var ipv4Tail: [UInt8] = []
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, isLast: Bool) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if isLast, index == fields.count - 1, field.contains(".") {
                    guard let bytes = ipv4(field) else { return nil }
                    ipv4Tail = bytes
                    continue
                }
                guard (1...4).contains(field.count), let value = UInt16(field, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let first = groups(halves[0], isLast: halves.count == 1) else { return nil }
        head = first
        if halves.count == 2 {
            guard let second = groups(halves[1], isLast: true) else { return nil }
            tail = second
        }
        let total = head.count + tail.count + ipv4Tail.count / 2
        guard halves.count == 2 ? total <= 7 : total == 8 else { return nil }
        let middle = [UInt16](repeating: 0, count: 8 - total)
        return (head + middle + tail).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + ipv4Tail
    }

    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
