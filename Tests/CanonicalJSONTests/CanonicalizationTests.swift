import Foundation
import Testing

@testable import CanonicalJSON

@Suite("RFC 8785 canonicalization")
struct CanonicalizationTests {
    /// The number serialization samples of RFC 8785, Appendix B (IEEE 754 bit patterns → expected text).
    @Test(arguments: [
        (0x0000_0000_0000_0000 as UInt64, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"),
        (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"),
        (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ])
    func numbers(bits: UInt64, expected: String) {
        #expect(ECMAScriptNumber.format(Double(bitPattern: bits)) == expected)
    }

    @Test func sortsMembersByUTF16CodeUnits() throws {
        // RFC 8785 §3.2.3's sorting example.
        let input =
            #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let names = try JSONValue(parsing: input).canonicalString
        let order = ["\r", "1", "\u{80}", "ö", "€", "😀", "דּ"].map { JSONValue.string($0).canonicalString }
        var position = names.startIndex
        for name in order {
            let found = try #require(names.range(of: name + ":", range: position..<names.endIndex))
            position = found.upperBound
        }
    }

    @Test func rfcExampleCanonicalForm() throws {
        let input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
              "literals": [null, true, false]
            }
            """
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try JSONValue(parsing: input).canonicalString == expected)
    }

    @Test func canonicalFormIsAFixedPoint() throws {
        let value = try JSONValue(parsing: #"{"b":[1,2.5,{"z":null,"a":"x"}],"a":true}"#)
        let once = value.canonicalBytes
        #expect(try JSONValue(parsing: once).canonicalBytes == once)
    }
}

@Suite("Strict I-JSON parsing")
struct ParserTests {
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, JSONParseError.Reason.duplicateMember),
        (#""\ud800""#, .invalidUnicode),
        (#"{"a":1} x"#, .trailingData),
        (#"01"#, .invalidNumber),
        (#"1e400"#, .numberOutOfRange),
        ("\"a\u{01}\"", .controlCharacterInString),
        (#"[1,]"#, .unexpectedCharacter),
        (#"{"a" 1}"#, .unexpectedCharacter),
        (#"{"a":"#, .unexpectedEnd),
        (#""\x""#, .invalidEscape),
    ])
    func rejects(input: String, reason: JSONParseError.Reason) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: input) }
        do { _ = try JSONValue(parsing: input) } catch { #expect(error.reason == reason) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: JSONValue.maximumDepth + 2) + String(repeating: "]", count: JSONValue.maximumDepth + 2)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(throws: Never.self) { try JSONValue(parsing: fine) }
    }

    @Test func readsEscapesAndSurrogatePairs() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00 \u00e9\n""#) == .string("😀 é\n"))
    }
}
