import Foundation

/// A STIX 2.1 pattern, compiled (STIX 2.1 part 9, "STIX Patterning"): the observation expression tree, with every
/// literal converted and checked once, so that matching it against many observations does no parsing.
///
///     [domain-name:value = 'evil.example'] FOLLOWEDBY [network-traffic:dst_port = 443] WITHIN 300 SECONDS
public struct STIXPatternExpression: Sendable, CustomStringConvertible {
    public let root: ObservationExpression
    /// The pattern as written.
    public let description: String

    /// Compiles `text`; a grammar error is `.syntax`, a well-formed pattern that can never be evaluated (a
    /// qualifier of zero seconds, a set of mixed types, an impossible timestamp, a regular expression that does
    /// not compile) is `.invalid`.
    public init(_ text: String) throws(PatternError) {
        guard text.utf8.count <= Self.maximumLength else { throw .syntax("a pattern is at most \(Self.maximumLength) bytes") }
        var parser = PatternParser(tokens: try PatternLexer.tokens(of: text))
        root = try parser.pattern()
        description = text
    }

    public static let maximumLength = 64 * 1024
}

public enum PatternError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a pattern of the grammar.
    case syntax(String)
    /// Grammatical, but impossible to evaluate.
    case invalid(String)
    /// The pattern could not be evaluated against these observations (a property compared as a timestamp that
    /// is not one, a reference that is not an identifier).
    case evaluation(String)

    public var description: String {
        switch self {
        case .syntax(let detail): "not a STIX pattern: \(detail)"
        case .invalid(let detail): "invalid STIX pattern: \(detail)"
        case .evaluation(let detail): "cannot evaluate the pattern: \(detail)"
        }
    }
}

/// An observation expression: what must be observed, how often, in what order and when.
public indirect enum ObservationExpression: Sendable {
    /// `[…]`: one observed object satisfying the comparison.
    case observation(ComparisonExpression)
    case and(ObservationExpression, ObservationExpression)
    case or(ObservationExpression, ObservationExpression)
    case followedBy(ObservationExpression, ObservationExpression)
    /// `WITHIN n SECONDS`, in microseconds (positive).
    case within(ObservationExpression, microseconds: Int64)
    /// `REPEATS n TIMES` (n ≥ 1).
    case repeats(ObservationExpression, times: Int)
    /// `START t'…' STOP t'…'`, in microseconds since 1970.
    case startStop(ObservationExpression, start: Int64, stop: Int64)
}

/// The comparisons inside one `[…]`: all about the same observed object.
public indirect enum ComparisonExpression: Sendable {
    case and(ComparisonExpression, ComparisonExpression)
    case or(ComparisonExpression, ComparisonExpression)
    case test(PropertyTest)
}

/// `object-type:path[.step…] [NOT] operator literal`, or `EXISTS object-type:path`.
public struct PropertyTest: Sendable {
    public let path: ObjectPath
    public let negated: Bool
    public let comparison: Comparison

    public enum Comparison: Sendable {
        case equal(PatternLiteral, notEqual: Bool)
        case order(Order, PatternLiteral)
        case member(PatternSet)
        case like(LikePattern)
        case matches(PatternRegex)
        case isSubset(IPNetwork)
        case isSuperset(IPNetwork)
        case exists
    }

    public enum Order: Sendable { case less, lessOrEqual, greater, greaterOrEqual }
}

/// `file:hashes.'SHA-256'`, `network-traffic:dst_ref.value`, `email-message:to_refs[*].value`.
public struct ObjectPath: Sendable, CustomStringConvertible {
    public let objectType: String
    public let steps: [Step]

    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
        case anyIndex
    }

    public var description: String {
        objectType + ":"
            + steps.enumerated().map { position, step in
                switch step {
                case .key(let name): (position == 0 ? "" : ".") + name
                case .index(let index): "[\(index)]"
                case .anyIndex: "[*]"
                }
            }.joined()
    }
}

/// A literal of the pattern, converted.
public enum PatternLiteral: Sendable, Equatable {
    case integer(Int64)
    case float(Double)
    case string(String)
    case bool(Bool)
    /// `b'…'` (base64) and `h'…'` (hex).
    case binary([UInt8])
    /// `t'…'`, in microseconds since 1970.
    case timestamp(Int64)
}

// MARK: - Lexer

struct PatternToken: Equatable {
    enum Kind: Equatable {
        case keyword(String)
        case identifier(hyphenated: Bool)
        case integer, float, string, binary, hex, timestamp, bool
        case symbol(String)
    }
    let kind: Kind
    let text: String
    /// Position in the pattern, in characters, for error messages.
    let offset: Int
}

enum PatternLexer {
    static let keywords: Set<String> = [
        "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "LAST", "IN", "START", "STOP",
        "SECONDS", "WITHIN", "REPEATS", "TIMES",
    ]
    /// The grammar's whitespace, Unicode spaces included.
    static let whitespace: Set<Unicode.Scalar> = [
        " ", "\t", "\r", "\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}",
        "\u{2004}", "\u{2005}", "\u{2006}", "\u{2007}", "\u{2008}", "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}",
        "\u{205F}", "\u{3000}",
    ]

    static func tokens(of pattern: String) throws(PatternError) -> [PatternToken] {
        let scalars = Array(pattern.unicodeScalars)
        var tokens: [PatternToken] = []
        var position = 0
        func at(_ offset: Int) -> Unicode.Scalar? { position + offset < scalars.count ? scalars[position + offset] : nil }
        func isDigit(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { ("0"..."9").contains($0) } ?? false }
        func isIdentifierStart(_ scalar: Unicode.Scalar?) -> Bool {
            scalar.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" } ?? false
        }
        // Token texts are cut from the UTF-8 bytes: each scalar's byte offset, where they differ (non-ASCII).
        let utf8 = Array(pattern.utf8)
        var offsets: [Int]?
        if utf8.count != scalars.count {
            var offset = 0
            offsets =
                scalars.map { scalar in
                    defer { offset += UTF8.width(scalar) }
                    return offset
                } + [utf8.count]
        }
        func text(_ range: Range<Int>) -> String {
            String(decoding: utf8[(offsets?[range.lowerBound] ?? range.lowerBound)..<(offsets?[range.upperBound] ?? range.upperBound)], as: UTF8.self)
        }

        while position < scalars.count {
            let start = position
            let scalar = scalars[position]
            if whitespace.contains(scalar) {
                position += 1
                continue
            }
            if scalar == "/", at(1) == "*" {
                var end = position + 2
                while end + 1 < scalars.count, !(scalars[end] == "*" && scalars[end + 1] == "/") { end += 1 }
                guard end + 1 < scalars.count else { throw .syntax("a comment is not closed") }
                position = end + 2
                continue
            }
            if scalar == "/", at(1) == "/" {
                while position < scalars.count, scalars[position] != "\n", scalars[position] != "\r" { position += 1 }
                continue
            }
            // Quoted literals: a letter then a quote starts one (ANTLR's longest match).
            if scalar == "'" || ((scalar == "h" || scalar == "b" || scalar == "t") && at(1) == "'") {
                let quote = scalar == "'" ? position : position + 1
                var end = quote + 1
                while end < scalars.count, scalars[end] != "'" {
                    if scalars[end] == "\\" {
                        guard end + 1 < scalars.count, scalars[end + 1] == "'" || scalars[end + 1] == "\\" else {
                            throw .syntax("at \(end): a backslash in a string escapes only a quote or a backslash")
                        }
                        end += 1
                    }
                    end += 1
                }
                guard end < scalars.count else { throw .syntax("at \(start): a quoted literal is not closed") }
                position = end + 1
                let body = text(quote + 1..<end)
                let kind: PatternToken.Kind
                switch scalar {
                case "h":
                    guard body.count.isMultiple(of: 2), body.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }) else {
                        throw .syntax("at \(start): h'…' holds pairs of hex digits")
                    }
                    kind = .hex
                case "b":
                    guard isBase64(body) else { throw .syntax("at \(start): b'…' holds padded base64") }
                    kind = .binary
                case "t":
                    guard PatternTimestamp.isWellFormed(body) else {
                        throw .syntax("at \(start): t'…' is an RFC 3339 UTC timestamp, t'2016-02-29T13:37:42.123Z'")
                    }
                    kind = .timestamp
                default: kind = .string
                }
                tokens.append(PatternToken(kind: kind, text: text(start..<position), offset: start))
                continue
            }
            if isIdentifierStart(scalar) {
                var end = position + 1
                var hyphenated = false
                while end < scalars.count, isIdentifierStart(scalars[end]) || isDigit(scalars[end]) || scalars[end] == "-" {
                    if scalars[end] == "-" { hyphenated = true }
                    end += 1
                }
                let word = text(position..<end)
                position = end
                let kind: PatternToken.Kind =
                    keywords.contains(word) ? .keyword(word) : word == "true" || word == "false" ? .bool : .identifier(hyphenated: hyphenated)
                tokens.append(PatternToken(kind: kind, text: word, offset: start))
                continue
            }
            // Numbers: [+-]? ('0' | [1-9][0-9]*) or [+-]? [0-9]* '.' [0-9]+.
            if isDigit(scalar) || scalar == "." || ((scalar == "+" || scalar == "-") && (isDigit(at(1)) || (at(1) == "." && isDigit(at(2))))) {
                var end = position + (scalar == "+" || scalar == "-" ? 1 : 0)
                let digitsStart = end
                while end < scalars.count, isDigit(scalars[end]) { end += 1 }
                if end < scalars.count, scalars[end] == ".", end + 1 < scalars.count, isDigit(scalars[end + 1]) {
                    end += 1
                    while end < scalars.count, isDigit(scalars[end]) { end += 1 }
                    tokens.append(PatternToken(kind: .float, text: text(position..<end), offset: start))
                    position = end
                    continue
                }
                guard end > digitsStart else {
                    // A lone dot: the path separator.
                    tokens.append(PatternToken(kind: .symbol("."), text: ".", offset: start))
                    position += 1
                    continue
                }
                // '0' stands alone: "05" is two integers, which no rule accepts.
                if scalars[digitsStart] == "0" { end = digitsStart + 1 }
                tokens.append(PatternToken(kind: .integer, text: text(position..<end), offset: start))
                position = end
                continue
            }
            // Operators and punctuation: `==` is `=`, `<>` is `!=`.
            let next = at(1)
            let symbol: (normal: String, length: Int)? =
                switch scalar {
                case "<": next == "=" ? ("<=", 2) : next == ">" ? ("!=", 2) : ("<", 1)
                case ">": next == "=" ? (">=", 2) : (">", 1)
                case "=": next == "=" ? ("=", 2) : ("=", 1)
                case "!": next == "=" ? ("!=", 2) : nil
                case ":", ",", "(", ")", "[", "]", "*": (String(scalar), 1)
                default: nil
                }
            if let symbol {
                tokens.append(PatternToken(kind: .symbol(symbol.normal), text: text(position..<position + symbol.length), offset: start))
                position += symbol.length
            }
            guard position > start else { throw .syntax("at \(start): unexpected character “\(scalar)”") }
        }
        return tokens
    }

    /// Base64 in groups of four, the last padded: what the grammar's BinaryLiteral allows.
    static func isBase64(_ body: String) -> Bool {
        let scalars = Array(body.unicodeScalars)
        guard !scalars.isEmpty, scalars.count.isMultiple(of: 4) else { return false }
        let padding = scalars.suffix(2).filter { $0 == "=" }.count
        guard
            scalars.dropLast(padding).allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "+" || $0 == "/") })
        else { return false }
        return padding == 0 || scalars.suffix(padding).allSatisfy { $0 == "=" }
    }
}

// MARK: - Parser

/// Recursive descent over the STIX 2.1 grammar (stix2-patterns' STIXPattern.g4): FOLLOWEDBY binds loosest, then
/// OR, then AND, all left-associative; qualifiers follow the observation expression they qualify.
struct PatternParser {
    let tokens: [PatternToken]
    var position = 0

    init(tokens: [PatternToken]) { self.tokens = tokens }

    var current: PatternToken? { position < tokens.count ? tokens[position] : nil }

    mutating func pattern() throws(PatternError) -> ObservationExpression {
        let expression = try followedBy()
        if let current { throw .syntax("at \(current.offset): unexpected “\(current.text)”") }
        return expression
    }

    mutating func accept(_ kind: PatternToken.Kind) -> PatternToken? {
        guard let current, current.kind == kind else { return nil }
        position += 1
        return current
    }

    mutating func expect(_ kind: PatternToken.Kind, _ what: String) throws(PatternError) -> PatternToken {
        guard let token = accept(kind) else {
            throw .syntax(current.map { "at \($0.offset): expected \(what), found “\($0.text)”" } ?? "expected \(what) at the end")
        }
        return token
    }

    mutating func followedBy() throws(PatternError) -> ObservationExpression {
        var expression = try observationOr()
        while accept(.keyword("FOLLOWEDBY")) != nil { expression = .followedBy(expression, try observationOr()) }
        return expression
    }

    mutating func observationOr() throws(PatternError) -> ObservationExpression {
        var expression = try observationAnd()
        while accept(.keyword("OR")) != nil { expression = .or(expression, try observationAnd()) }
        return expression
    }

    mutating func observationAnd() throws(PatternError) -> ObservationExpression {
        var expression = try qualified()
        while accept(.keyword("AND")) != nil { expression = .and(expression, try qualified()) }
        return expression
    }

    mutating func qualified() throws(PatternError) -> ObservationExpression {
        var expression: ObservationExpression
        if accept(.symbol("[")) != nil {
            expression = .observation(try comparisonOr())
            _ = try expect(.symbol("]"), "“]”")
        } else if accept(.symbol("(")) != nil {
            expression = try followedBy()
            _ = try expect(.symbol(")"), "“)”")
        } else {
            throw .syntax(current.map { "at \($0.offset): expected “[” or “(”, found “\($0.text)”" } ?? "expected an observation expression")
        }
        while true {
            if accept(.keyword("START")) != nil {
                let start = try timestamp(try expect(.timestamp, "a timestamp t'…'"))
                _ = try expect(.keyword("STOP"), "STOP")
                let stop = try timestamp(try expect(.timestamp, "a timestamp t'…'"))
                expression = .startStop(expression, start: start, stop: stop)
            } else if accept(.keyword("WITHIN")) != nil {
                guard let amount = accept(.integer) ?? accept(.float), !amount.text.hasPrefix("-") else {
                    throw .syntax("WITHIN takes a positive number of seconds")
                }
                _ = try expect(.keyword("SECONDS"), "SECONDS")
                let seconds = Double(amount.text) ?? 0
                guard seconds > 0, seconds < 1e12 else { throw .invalid("WITHIN \(amount.text) SECONDS: the window must be positive") }
                expression = .within(expression, microseconds: Int64((seconds * 1_000_000).rounded()))
            } else if accept(.keyword("REPEATS")) != nil {
                let count = try expect(.integer, "a repetition count")
                guard !count.text.hasPrefix("-") else { throw .syntax("REPEATS takes a positive count") }
                _ = try expect(.keyword("TIMES"), "TIMES")
                guard let times = Int(count.text.drop { $0 == "+" }), (1...1_000).contains(times) else {
                    throw .invalid("REPEATS \(count.text) TIMES: the count is 1 to 1,000")
                }
                expression = .repeats(expression, times: times)
            } else {
                return expression
            }
        }
    }

    mutating func comparisonOr() throws(PatternError) -> ComparisonExpression {
        var expression = try comparisonAnd()
        while accept(.keyword("OR")) != nil { expression = .or(expression, try comparisonAnd()) }
        return expression
    }

    mutating func comparisonAnd() throws(PatternError) -> ComparisonExpression {
        var expression = try propertyTest()
        while accept(.keyword("AND")) != nil { expression = .and(expression, try propertyTest()) }
        return expression
    }

    mutating func propertyTest() throws(PatternError) -> ComparisonExpression {
        if accept(.symbol("(")) != nil {
            let inner = try comparisonOr()
            _ = try expect(.symbol(")"), "“)”")
            return inner
        }
        if accept(.keyword("EXISTS")) != nil { return .test(PropertyTest(path: try objectPath(), negated: false, comparison: .exists)) }
        let path = try objectPath()
        let negated = accept(.keyword("NOT")) != nil
        guard let token = current else { throw .syntax("expected an operator at the end") }
        position += 1
        let comparison: PropertyTest.Comparison
        switch token.kind {
        case .symbol("="), .symbol("!="):
            comparison = .equal(try primitiveLiteral(), notEqual: token.kind == .symbol("!="))
        case .symbol("<"), .symbol("<="), .symbol(">"), .symbol(">="):
            let order: PropertyTest.Order =
                switch token.text {
                case "<": .less
                case "<=": .lessOrEqual
                case ">": .greater
                default: .greaterOrEqual
                }
            let literal = try primitiveLiteral()
            if case .bool = literal { throw .syntax("at \(token.offset): true and false have no order") }
            comparison = .order(order, literal)
        case .keyword("IN"):
            comparison = .member(try setLiteral())
        case .keyword("LIKE"):
            comparison = .like(LikePattern(try string(try expect(.string, "a quoted string"))))
        case .keyword("MATCHES"):
            comparison = .matches(try PatternRegex(try string(try expect(.string, "a quoted string"))))
        case .keyword("ISSUBSET"):
            let literal = try expect(.string, "a quoted network")
            guard let network = IPNetwork(try string(literal)) else { throw .invalid("ISSUBSET \(literal.text): not an IP network") }
            comparison = .isSubset(network)
        case .keyword("ISSUPERSET"):
            let literal = try expect(.string, "a quoted address or network")
            guard let network = IPNetwork(try string(literal)) else { throw .invalid("ISSUPERSET \(literal.text): not an IP address or network") }
            comparison = .isSuperset(network)
        default:
            throw .syntax("at \(token.offset): expected a comparison operator, found “\(token.text)”")
        }
        return .test(PropertyTest(path: path, negated: negated, comparison: comparison))
    }

    mutating func objectPath() throws(PatternError) -> ObjectPath {
        guard let type = accept(.identifier(hyphenated: false)) ?? accept(.identifier(hyphenated: true)) else {
            throw .syntax(current.map { "at \($0.offset): expected an object type, found “\($0.text)”" } ?? "expected an object type")
        }
        _ = try expect(.symbol(":"), "“:”")
        var steps: [ObjectPath.Step] = []
        if let name = accept(.identifier(hyphenated: false)) {
            steps.append(.key(name.text))
        } else if let quoted = accept(.string) {
            steps.append(.key(try string(quoted)))
        } else {
            throw .syntax(current.map { "at \($0.offset): expected a property name, found “\($0.text)”" } ?? "expected a property name")
        }
        while true {
            if accept(.symbol(".")) != nil {
                if let name = accept(.identifier(hyphenated: false)) {
                    steps.append(.key(name.text))
                } else {
                    steps.append(.key(try string(try expect(.string, "a property name"))))
                }
            } else if accept(.symbol("[")) != nil {
                if accept(.symbol("*")) != nil {
                    steps.append(.anyIndex)
                } else {
                    let index = try expect(.integer, "a list index or *")
                    guard let value = Int(index.text.drop { $0 == "+" }) else { throw .syntax("at \(index.offset): index out of range") }
                    steps.append(.index(value))
                }
                _ = try expect(.symbol("]"), "“]”")
            } else {
                return ObjectPath(objectType: type.text, steps: steps)
            }
        }
    }

    mutating func setLiteral() throws(PatternError) -> PatternSet {
        _ = try expect(.symbol("("), "“(”")
        var members: [PatternLiteral] = []
        if accept(.symbol(")")) != nil { return try PatternSet(members) }
        repeat { members.append(try primitiveLiteral()) } while accept(.symbol(",")) != nil
        _ = try expect(.symbol(")"), "“)” or “,”")
        return try PatternSet(members)
    }

    mutating func primitiveLiteral() throws(PatternError) -> PatternLiteral {
        guard let token = current else { throw .syntax("expected a literal at the end") }
        position += 1
        switch token.kind {
        case .integer:
            guard let value = Int64(token.text.drop { $0 == "+" }) else { throw .invalid("\(token.text) is beyond 64-bit integers") }
            return .integer(value)
        case .float:
            return .float(Double(token.text)!)
        case .string:
            return .string(try string(token))
        case .bool:
            return .bool(token.text == "true")
        case .binary:
            return .binary(Array(Data(base64Encoded: String(token.text.dropFirst(2).dropLast()))!))
        case .hex:
            return .binary(Array(hexPairs: token.text.dropFirst(2).dropLast()))
        case .timestamp:
            return .timestamp(try timestamp(token))
        default:
            throw .syntax("at \(token.offset): expected a literal, found “\(token.text)”")
        }
    }

    func string(_ token: PatternToken) throws(PatternError) -> String {
        var value = String.UnicodeScalarView()
        var escaped = false
        for scalar in token.text.unicodeScalars.dropFirst().dropLast() {
            if !escaped, scalar == "\\" {
                escaped = true
                continue
            }
            escaped = false
            value.append(scalar)
        }
        return String(value)
    }

    func timestamp(_ token: PatternToken) throws(PatternError) -> Int64 {
        guard let value = PatternTimestamp.microseconds(String(token.text.dropFirst(2).dropLast())) else {
            throw .invalid("\(token.text) is not a date and time that exists")
        }
        return value
    }
}

extension [UInt8] {
    /// Bytes from hex digits already checked to come in pairs.
    init(hexPairs text: some StringProtocol) {
        let digits = Array(text.utf8)
        self = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}
