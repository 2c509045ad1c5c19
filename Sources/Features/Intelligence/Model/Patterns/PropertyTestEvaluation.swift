import CanonicalJSON
import Foundation

/// A value an object path selected: JSON as observed, or the bytes of a `_hex` or `_bin` property.
enum PatternValue {
    case json(JSONValue)
    case bytes([UInt8])

    static func binary(_ member: JSONValue, property: String) throws(PatternError) -> PatternValue {
        guard let text = member.stringValue else { throw .evaluation("the value of \(property) is not a string") }
        if property.hasSuffix("_hex") {
            guard text.count.isMultiple(of: 2), text.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }) else {
                throw .evaluation("the value of \(property) is not hex")
            }
            return .bytes([UInt8](hexPairs: text))
        }
        guard let bytes = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw .evaluation("the value of \(property) is not base64")
        }
        return .bytes(Array(bytes))
    }
}

/// The comparison rules of STIX patterning, as the OASIS reference matcher applies them: values compare only
/// with values of a compatible type (numbers with numbers, strings with strings, bytes with bytes or with
/// strings of code points below 256, timestamps with timestamps or with strings that are timestamps); any
/// other pair is unequal and unordered.
enum PropertyTestEvaluation {
    /// An operand after conversion: a JSON string becomes a timestamp when compared with one.
    enum Operand {
        case number(Double)
        case string(String)
        case bool(Bool)
        case bytes([UInt8])
        case timestamp(Int64)
        /// null, a list, an object: comparable with nothing.
        case other
    }

    static func passes(_ test: PropertyTest, _ value: PatternValue) throws(PatternError) -> Bool {
        let result: Bool
        switch test.comparison {
        case .exists:
            return true
        case .equal(let literal, let notEqual):
            let equal = try equals(operand(value, asTimestamp: literal.isTimestamp), operand(literal))
            result = equal != notEqual
        case .order(let order, let literal):
            switch compare(try operand(value, asTimestamp: literal.isTimestamp), operand(literal)) {
            // Incomparable types: false, whatever the NOT (as the reference matcher answers).
            case nil: return false
            case .some(nil): result = false
            case .some(let ordering?):
                result =
                    switch order {
                    case .less: ordering < 0
                    case .lessOrEqual: ordering <= 0
                    case .greater: ordering > 0
                    case .greaterOrEqual: ordering >= 0
                    }
            }
        case .member(let set):
            let subject = try operand(value, asTimestamp: set.isTimestamps)
            result = set.members.contains { isMember(subject, of: operand($0)) }
        case .like(let pattern):
            switch value {
            case .json(.string(let text)): result = pattern.matches(text)
            case .bytes(let bytes) where pattern.scalars.allSatisfy({ $0.value < 256 }):
                guard let text = String(validating: bytes, as: UTF8.self) else { throw .evaluation("LIKE on bytes that are not UTF-8") }
                result = pattern.matches(text)
            default: result = false
            }
        case .matches(let regex):
            switch value {
            case .json(.string(let text)): result = regex.matches(text)
            case .bytes(let bytes): result = regex.matches(bytes)
            default: result = false
            }
        case .isSubset(let network):
            guard case .json(.string(let text)) = value else {
                result = false
                break
            }
            guard let address = IPNetwork(text) else { throw .evaluation("“\(text)” is not an IP address or network") }
            result = network.contains(address)
        case .isSuperset(let network):
            guard case .json(.string(let text)) = value else {
                result = false
                break
            }
            guard let container = IPNetwork(text) else { throw .evaluation("“\(text)” is not an IP network") }
            result = container.contains(network)
        }
        return result != test.negated
    }

    static func operand(_ literal: PatternLiteral) -> Operand {
        switch literal {
        case .integer(let value): .number(Double(value))
        case .float(let value): .number(value)
        case .string(let value): .string(value)
        case .bool(let value): .bool(value)
        case .binary(let value): .bytes(value)
        case .timestamp(let value): .timestamp(value)
        }
    }

    static func operand(_ value: PatternValue, asTimestamp: Bool) throws(PatternError) -> Operand {
        switch value {
        case .bytes(let bytes): return .bytes(bytes)
        case .json(.string(let text)) where asTimestamp:
            guard let time = PatternTimestamp.microseconds(text) else { throw .evaluation("“\(text)” is not a timestamp") }
            return .timestamp(time)
        case .json(.string(let text)): return .string(text)
        case .json(.number(let number)): return .number(number)
        case .json(.bool(let flag)): return .bool(flag)
        case .json: return .other
        }
    }

    static func equals(_ left: Operand, _ right: Operand) -> Bool {
        switch (left, right) {
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.bool(let a), .bool(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.timestamp(let a), .timestamp(let b)): a == b
        case (.bytes(let bytes), .string(let text)), (.string(let text), .bytes(let bytes)): latin1(text) == bytes
        default: false
        }
    }

    /// The order of two operands: nil when their types have none; `.some(nil)` when they have one but these
    /// two cannot be ordered (bytes against a string with code points above 255).
    static func compare(_ left: Operand, _ right: Operand) -> Int?? {
        func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a > b ? 1 : 0 }
        func order(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Int {
            a.lexicographicallyPrecedes(b) ? -1 : b.lexicographicallyPrecedes(a) ? 1 : 0
        }
        switch (left, right) {
        case (.number(let a), .number(let b)): return order(a, b)
        case (.timestamp(let a), .timestamp(let b)): return order(a, b)
        case (.bytes(let a), .bytes(let b)): return order(a, b)
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
                ? -1 : b.unicodeScalars.lexicographicallyPrecedes(a.unicodeScalars) ? 1 : 0
        case (.bytes(let bytes), .string(let text)):
            return .some(latin1(text).map { order(bytes, $0) })
        case (.string(let text), .bytes(let bytes)):
            return .some(latin1(text).map { order($0, bytes) })
        default: return nil
        }
    }

    /// Set membership, where (as in the reference matcher) true and false are also the numbers 1 and 0.
    static func isMember(_ value: Operand, of member: Operand) -> Bool {
        switch (value, member) {
        case (.bool(let flag), .number(let number)), (.number(let number), .bool(let flag)): number == (flag ? 1 : 0)
        case (.bytes, .string), (.string, .bytes): false
        default: equals(value, member)
        }
    }

    /// A string as bytes, one per code point, when every code point is below 256.
    static func latin1(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard scalar.value < 256 else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }
}

extension PatternLiteral {
    var isTimestamp: Bool { if case .timestamp = self { true } else { false } }
}
