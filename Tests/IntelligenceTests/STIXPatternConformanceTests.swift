import CanonicalJSON
import Foundation
import Intelligence
import TestSupport
import Testing

/// The 423 cases of the OASIS reference matcher's own tests (`../shared/data/detection/stix-patterns`): every
/// pattern is compiled and matched here, and the outcome must be the reference's — a match or not, the
/// observed-data matched, or the error (a pattern the grammar refuses, one that cannot be evaluated).
@Suite("STIX 2.1 patterning: the reference matcher's conformance cases")
struct STIXPatternConformanceTests {
    struct Case {
        let id: String
        let pattern: String
        let observations: [JSONValue]
        let expected: Bool
        let error: String?
        let matchedIDs: [String]?
        let matchedCount: Int?
    }

    enum Outcome: Equatable {
        case matched([String])
        case parseError(String)
        case matchError(String)
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOf: sharedData("detection/stix-patterns/cases.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let json = try JSONValue(parsing: String(line))
            return Case(
                id: json["id"]!.stringValue!,
                pattern: json["pattern"]!.stringValue!,
                observations: json["observations"]!.arrayValue!,
                expected: json["expected"]!.boolValue!,
                error: json["error"]?.stringValue,
                matchedIDs: json["expected_matched_ids"]?.arrayValue?.compactMap(\.stringValue),
                matchedCount: json["expected_matched_count"]?.integerValue.map(Int.init)
            )
        }
    }

    static func outcome(_ test: Case) -> Outcome {
        let pattern: STIXPatternExpression
        do { pattern = try STIXPatternExpression(test.pattern) } catch {
            if case .syntax = error { return .parseError(error.description) }
            return .matchError(error.description)
        }
        do {
            return .matched(try pattern.match(PatternObservation.observations(inBundles: test.observations)).map(\.id))
        } catch {
            return .matchError(error.description)
        }
    }

    static func passes(_ test: Case, _ outcome: Outcome) -> Bool {
        switch (test.error, outcome) {
        case ("parse_error", .parseError), ("match_error", .matchError): return true
        case (nil, .matched(let ids)):
            guard ids.isEmpty != test.expected else { return false }
            if let expected = test.matchedIDs, expected.sorted() != ids.sorted() { return false }
            if let count = test.matchedCount, count != ids.count { return false }
            return true
        default: return false
        }
    }

    @Test(.enabled(if: (try? sharedData("detection/stix-patterns/cases.jsonl")) != nil, "../shared/data is not beside the project"))
    func everyCaseAgreesWithTheReference() throws {
        let cases = try Self.cases()
        #expect(cases.count == 423)
        var byFile: [String: (passed: Int, total: Int)] = [:]
        var wrongAnswers = 0
        var wrongErrors = 0
        for test in cases {
            let outcome = Self.outcome(test)
            let passed = Self.passes(test, outcome)
            let file = String(test.id.prefix { $0 != ":" })
            byFile[file, default: (0, 0)].total += 1
            if passed { byFile[file]!.passed += 1 } else if test.error == nil { wrongAnswers += 1 } else { wrongErrors += 1 }
            #expect(passed, "\(test.id): \(test.pattern) gave \(outcome), expected \(test.error ?? (test.expected ? "a match" : "no match"))")
        }
        let passed = byFile.values.map(\.passed).reduce(0, +)
        print("STIX pattern conformance: \(passed)/\(cases.count) (\(String(format: "%.1f", 100 * Double(passed) / Double(cases.count)))%)")
        for (file, count) in byFile.sorted(by: { $0.key < $1.key }) { print("  \(file): \(count.passed)/\(count.total)") }
        print("  wrong match/no match: \(wrongAnswers); wrong on error cases: \(wrongErrors)")
    }
}

@Suite("STIX patterns from a hostile partner")
struct HostilePatternTests {
    @Test("A regular expression that repeats a repetition is refused: it could take exponential time on a crafted value")
    func nestedRepetition() throws {
        for pattern in ["(a+)+$", "(x*)*y", "((ab+)c)*", "(\\\\d+)+"] {
            #expect(throws: PatternError.self, "\(pattern)") { try STIXPatternExpression("[domain-name:value MATCHES '\(pattern)']") }
        }
        for pattern in ["(ab)+", "[a+]+", "([+-])+", "^evil\\\\.(com|net)$", "a+b*c{2}"] {
            #expect(throws: Never.self, "\(pattern)") { try STIXPatternExpression("[domain-name:value MATCHES '\(pattern)']") }
        }
    }

    @Test("A pattern larger than 64 KiB, or a REPEATS count beyond 1,000, is refused before any work")
    func bounds() {
        #expect(throws: PatternError.self) { try STIXPatternExpression("[x:y = '" + String(repeating: "a", count: 70_000) + "']") }
        #expect(throws: PatternError.self) { try STIXPatternExpression("[x:y = 1] REPEATS 100000 TIMES") }
    }
}
