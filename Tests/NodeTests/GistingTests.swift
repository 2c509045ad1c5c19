import Foundation
import Languages
import Testing

@testable import Node

/// Apertium from Debian, run as the node runs it. CI installs it and sets ENTENTE_REQUIRE_APERTIUM=1, so there the
/// suite cannot be skipped.
@Suite("Machine gisting with Apertium")
struct GistingTests {
    static func apertium() async -> ApertiumTranslator? {
        let found = await ApertiumTranslator.installed()
        if found == nil {
            print("⚠️  Apertium is not installed: machine gisting NOT tested (Debian: apertium apertium-eng-spa apertium-fr-es apertium-spa-ita)")
            #expect(ProcessInfo.processInfo.environment["ENTENTE_REQUIRE_APERTIUM"] != "1", "ENTENTE_REQUIRE_APERTIUM=1 but Apertium is missing")
        }
        return found
    }

    @Test func englishReachesFrenchThroughSpanishAndSaysSo() async throws {
        guard let apertium = await Self.apertium() else { return }
        let gist = try await apertium.gist("The ministry proposes an urgent meeting.", from: .english, to: .french)
        #expect(gist.text.contains("réunion") && gist.engine == "Apertium")
        #expect(gist.route.path == [.english, .spanish, .french])
    }

    /// What no engine covers, or what is too long, is refused with the reason; the engine is never handed it.
    @Test func noRouteAndTooLongAreRefused() async throws {
        guard let apertium = await Self.apertium() else { return }
        await #expect(throws: GistFailure.noRoute(.russian, .french)) { try await apertium.gist("Привет", from: .russian, to: .french) }
        let long = String(repeating: "a", count: ApertiumTranslator.maximumCharacters + 1)
        await #expect(throws: GistFailure.tooLong(maximum: ApertiumTranslator.maximumCharacters)) {
            try await apertium.gist(long, from: .english, to: .spanish)
        }
    }

    /// A hostile text cannot make the engine do anything but translate it: it is data on standard input.
    @Test func aTextIsOnlyEverData() async throws {
        guard let apertium = await Self.apertium() else { return }
        let gist = try await apertium.gist("$(touch /tmp/entente-pwned) `id` ; rm -rf / \u{0} [[x]]", from: .english, to: .spanish)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/entente-pwned") && !gist.text.isEmpty)
    }
}
