/// RFC 8785 JSON Canonicalization Scheme (JCS).
///
/// - Object members are sorted by their names' UTF-16 code units.
/// - Strings are escaped minimally: `"`, `\`, and control characters only.
/// - Numbers are written as ECMAScript's `Number.prototype.toString` writes them.
/// - No insignificant whitespace.
extension JSONValue {
    public var canonicalBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        writeCanonical(into: &output)
        return output
    }

    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    func writeCanonical(into output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): output.append(contentsOf: ECMAScriptNumber.format(value).utf8)
        case .string(let value): Self.writeString(value, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.writeCanonical(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let names = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, name) in names.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(name, into: &output)
                output.append(UInt8(ascii: ":"))
                members[name]!.writeCanonical(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// ECMAScript's Number-to-String conversion (ECMA-262, 7.1.12.1), which RFC 8785 adopts.
///
/// Swift's `description` already yields the shortest digit string that round-trips,
/// which is what ECMAScript requires; only the layout (where the point and the
/// exponent go) differs, so this reads the digits and exponent back out and lays
/// them out ECMAScript's way.
public enum ECMAScriptNumber {
    public static func format(_ value: Double) -> String {
        precondition(value.isFinite, "I-JSON has no NaN or Infinity")
        if value == 0 { return "0" }
        if value < 0 { return "-" + format(-value) }

        let (digits, exponent) = shortestDigits(value)
        let k = digits.count
        let n = exponent
        if k <= n && n <= 21 {
            return digits + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            return digits[..<split] + "." + digits[split...]
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + digits
        }
        let sign = n - 1 >= 0 ? "+" : "-"
        let mantissa = k == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        return mantissa + "e" + sign + String(abs(n - 1))
    }

    /// The decimal digits d₁…dₖ (no leading or trailing zeros) and the exponent n
    /// such that the value is 0.d₁…dₖ × 10ⁿ.
    static func shortestDigits(_ value: Double) -> (digits: String, exponent: Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let point = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<point]
            fractionPart = mantissa[mantissa.index(after: point)...]
        }
        var digits = String(integerPart) + fractionPart
        var pointPosition = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, pointPosition)
    }
}
