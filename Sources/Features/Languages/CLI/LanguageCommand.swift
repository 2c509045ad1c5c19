import ArgumentParser
import CanonicalJSON
import Foundation
import Languages
import Node

struct LanguageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "language",
        abstract: "Tell which of the eight languages (ar, de, en, es, fr, it, ru, zh) a text is in, and measure how well.",
        subcommands: [Identify.self, Evaluate.self]
    )

    /// Where the TextCat profiles are read from (the Debian package libexttextcat-data).
    struct ProfileOptions: ParsableArguments {
        @Option(help: "The folder of TextCat .lm profiles (Debian: libexttextcat-data).")
        var profiles = LanguageIdentifier.debianProfiles

        func identifier() throws -> LanguageIdentifier {
            do { return try LanguageIdentifier.textCat(in: profiles) } catch { throw ExitError("\(error.description) (--profiles)") }
        }
    }

    struct Identify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the language of TEXT (or of standard input, with -): its code, name, and how it was told."
        )
        @Argument(help: "The text, or - to read standard input.") var text: String
        @OptionGroup var options: ProfileOptions
        @Flag(help: "Print JSON: language, name, byScript, margin.") var json = false

        func run() throws {
            let input = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile().prefix(1 << 20), as: UTF8.self) : text
            guard let found = try options.identifier().identify(input) else { throw ExitError("no letters to tell the language by") }
            if json {
                let members: [String: JSONValue] = [
                    "language": .string(found.language.code), "name": .string(found.language.englishName), "byScript": .bool(found.byScript),
                    "margin": found.byScript ? .null : .number((found.margin * 1000).rounded() / 1000),
                ]
                print(String(decoding: JSONValue.object(members).canonicalBytes, as: UTF8.self))
            } else {
                let how = found.byScript ? "by its script" : String(format: "by its letters, leading the next language by %.3f", found.margin)
                print("\(found.language.code)\t\(found.language.englishName) (\(how))")
            }
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accuracy on labelled test sets: FOLDER/{sentences,word-pairs,single-words}-LANG.txt, one text a line.",
            discussion: "The lingua test sets are in ../shared/data/languages/lid. Prints the accuracy per set and per language."
        )
        @Argument(help: "The folder of test sets.") var folder: String
        @OptionGroup var options: ProfileOptions
        @Flag(help: "Print JSON: per set, the accuracy overall and per language.") var json = false

        func run() throws {
            let identifier = try options.identifier()
            var report: [String: JSONValue] = [:]
            for set in ["sentences", "word-pairs", "single-words"] {
                var accuracies: [(language: Language, accuracy: Double)] = []
                var right = 0
                var total = 0
                for language in Language.allCases.sorted() {
                    let path = URL(fileURLWithPath: folder).appendingPathComponent("\(set)-\(language.code).txt").path
                    guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else { throw ExitError("cannot read \(path)") }
                    let lines = contents.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
                    let correct = lines.filter { identifier.identify($0)?.language == language }.count
                    right += correct
                    total += lines.count
                    accuracies.append((language, Double(correct) / Double(max(lines.count, 1))))
                }
                let accuracy = Double(right) / Double(max(total, 1))
                report[set] = [
                    "accuracy": .number(accuracy), "texts": .number(Double(total)),
                    "languages": .object(Dictionary(uniqueKeysWithValues: accuracies.map { ($0.language.code, JSONValue.number($0.accuracy)) })),
                ]
                if !json {
                    let languages = accuracies.map { "\($0.language.code) \(String(format: "%.1f", $0.accuracy * 100))" }
                    print("\(set): \(String(format: "%.2f", accuracy * 100))% of \(total) (\(languages.joined(separator: ", ")))")
                }
            }
            if json { print(String(decoding: JSONValue.object(report).canonicalBytes, as: UTF8.self)) }
        }
    }
}
