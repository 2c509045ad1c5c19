import ArgumentParser
import CanonicalJSON
import Foundation
import Languages
import Node

struct LanguageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "language",
        abstract: "Tell which of the eight languages (ar, de, en, es, fr, it, ru, zh) a text is in, and measure how well.",
        subcommands: [Identify.self, Evaluate.self, Translate.self]
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

extension LanguageCommand {
    struct Translate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A machine gist of TEXT (or of standard input, with -) in another language, with Apertium.",
            discussion: """
                Apertium from Debian (apertium, apertium-eng-spa, apertium-fr-es, apertium-spa-ita) translates between English,
                French, Italian and Spanish, through Spanish where there is no direct pair. The gist goes to standard output,
                line for line; what made it goes to standard error: it is a machine's rendering, not the author's words.
                Benchmarks/gisting_score.py scores it on FLORES-200 with sacrebleu.
                """
        )
        @Option(help: "The text's language: en, fr, it or es.") var from: String
        @Option(help: "The gist's language.") var to: String
        @Argument(help: "The text, or - to read standard input (at most 16 MiB).") var text: String

        func run() async throws {
            guard let source = Language(tag: from), let target = Language(tag: to) else {
                throw ValidationError("--from and --to: one of \(Language.allCases.map(\.code).joined(separator: ", "))")
            }
            guard let translator = await ApertiumTranslator.installed() else {
                throw ExitError("Apertium is not installed (Debian: apertium apertium-eng-spa apertium-fr-es apertium-spa-ita)")
            }
            guard let route = translator.route(from: source, to: target) else { throw ExitError(GistFailure.noRoute(source, target).description) }
            let input = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile().prefix(16 << 20), as: UTF8.self) : text
            printError("machine translation by \(translator.name), \(route.path.map(\.code).joined(separator: " → ")): not the author's words")
            // Whole lines, as many as a gist takes at once.
            var chunk: [Substring] = []
            var size = 0
            func flush() async throws {
                guard !chunk.isEmpty else { return }
                do { print(try await translator.gist(chunk.joined(separator: "\n"), from: source, to: target).text) } catch {
                    throw ExitError(error.description)
                }
                chunk.removeAll()
                size = 0
            }
            for line in input.split(separator: "\n", omittingEmptySubsequences: false) {
                guard line.count < ApertiumTranslator.maximumCharacters else {
                    throw ExitError("a line is longer than \(ApertiumTranslator.maximumCharacters) characters")
                }
                if size + line.count + 1 > ApertiumTranslator.maximumCharacters { try await flush() }
                chunk.append(line)
                size += line.count + 1
            }
            try await flush()
        }
    }
}
