/// Why a document is not acceptable I-JSON, with the byte offset where it went wrong.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedCharacter = "unexpected character"
        case invalidNumber = "invalid number"
        case numberOutOfRange = "number outside the IEEE 754 double range"
        case invalidEscape = "invalid escape sequence"
        case invalidUnicode = "invalid UTF-8 or lone surrogate"
        case controlCharacterInString = "unescaped control character in string"
        case duplicateMember = "duplicate object member name"
        case tooDeep = "nesting too deep"
        case trailingData = "data after the JSON value"
    }

    public let reason: Reason
    public let offset: Int

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects accepted; bounds stack use on hostile input.
    public static let maximumDepth = 64

    /// Parses one JSON document strictly: no trailing data, no duplicate names, no lone surrogates.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        var parser = Parser(bytes: Array(bytes))
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else {
            throw JSONParseError(reason: .trailingData, offset: parser.position)
        }
        self = value
    }

    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }
}

private struct Parser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: JSONParseError.Reason) -> JSONParseError {
        JSONParseError(reason: reason, offset: position)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func next() throws(JSONParseError) -> UInt8 {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        defer { position += 1 }
        return bytes[position]
    }

    func peek() throws(JSONParseError) -> UInt8 {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        return bytes[position]
    }

    mutating func expect(_ literal: String) throws(JSONParseError) {
        for byte in literal.utf8 {
            guard try next() == byte else {
                position -= 1
                throw fail(.unexpectedCharacter)
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw fail(.tooDeep) }
        switch try peek() {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail(.unexpectedCharacter)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter) }
            let nameOffset = position
            let name = try parseString()
            skipWhitespace()
            guard try next() == UInt8(ascii: ":") else {
                position -= 1
                throw fail(.unexpectedCharacter)
            }
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            guard members.updateValue(value, forKey: name) == nil else {
                throw JSONParseError(reason: .duplicateMember, offset: nameOffset)
            }
            skipWhitespace()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return .object(members)
            default:
                position -= 1
                throw fail(.unexpectedCharacter)
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return .array(elements)
            default:
                position -= 1
                throw fail(.unexpectedCharacter)
            }
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        var result = ""
        var runStart = position
        while true {
            let byte = try next()
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                try appendValidatedUTF8(from: runStart, to: position - 1, into: &result)
                if byte == UInt8(ascii: "\"") { return result }
                result.unicodeScalars.append(try parseEscape())
                runStart = position
            case 0x00..<0x20:
                position -= 1
                throw fail(.controlCharacterInString)
            default:
                continue
            }
        }
    }

    func appendValidatedUTF8(from start: Int, to end: Int, into result: inout String) throws(JSONParseError) {
        guard start < end else { return }
        guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
            throw JSONParseError(reason: .invalidUnicode, offset: start)
        }
        result += text
    }

    mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        switch try next() {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHexQuad()
            if (0xD800...0xDBFF).contains(first) {
                guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else {
                    throw fail(.invalidUnicode)
                }
                let second = try parseHexQuad()
                guard (0xDC00...0xDFFF).contains(second) else { throw fail(.invalidUnicode) }
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                guard let scalar = Unicode.Scalar(combined) else { throw fail(.invalidUnicode) }
                return scalar
            }
            guard let scalar = Unicode.Scalar(first) else { throw fail(.invalidUnicode) }
            return scalar
        default:
            position -= 1
            throw fail(.invalidEscape)
        }
    }

    mutating func parseHexQuad() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = try next()
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                position -= 1
                throw fail(.invalidEscape)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        func digits(_ parser: inout Parser) throws(JSONParseError) {
            guard parser.position < parser.bytes.count, isDigit(parser.bytes[parser.position]) else {
                throw parser.fail(.invalidNumber)
            }
            while parser.position < parser.bytes.count, isDigit(parser.bytes[parser.position]) { parser.position += 1 }
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw fail(.invalidNumber) }
        } else {
            try digits(&self)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            try digits(&self)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try digits(&self)
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text) else { throw JSONParseError(reason: .invalidNumber, offset: start) }
        guard value.isFinite else { throw JSONParseError(reason: .numberOutOfRange, offset: start) }
        return value
    }
}
