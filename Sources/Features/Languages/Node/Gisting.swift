import Foundation
import Languages

/// A machine rendering of a text in another language. It is the engine's, never the sender's words: pages mark
/// it as such and keep the original one click away; nothing signs it.
public struct Gist: Sendable, Equatable {
    public let text: String
    public let route: GistRoute
    /// Which engine rendered it, for the label: `Apertium`.
    public let engine: String
}

/// Why no gist was made.
public enum GistFailure: Error, Equatable, CustomStringConvertible {
    case noRoute(Language, Language)
    case tooLong(maximum: Int)
    case engine(String)

    public var description: String {
        switch self {
        case .noRoute(let from, let to): "no machine translation on this node covers \(from.englishName) to \(to.englishName)"
        case .tooLong(let maximum): "a gist is made of at most \(maximum) characters"
        case .engine(let reason): "the translation engine failed: \(reason)"
        }
    }
}

/// The seam for machine gisting: one engine today (Apertium), another tomorrow, the pages unchanged.
public protocol Translator: Sendable {
    var name: String { get }
    func route(from source: Language, to target: Language) -> GistRoute?
    func gist(_ text: String, from source: Language, to target: Language) async throws(GistFailure) -> Gist
}

/// Apertium, the rule-based engine Debian packages (apertium, apertium-eng-spa, apertium-fr-es, apertium-spa-ita):
/// run once per step of the route, offline, the text on its standard input.
public struct ApertiumTranslator: Translator {
    public let name = "Apertium"
    let executable: String
    let modes: [String: (Language, Language)]

    /// Bounds on what one gist may cost: the text's length and the engine's time.
    public static let maximumCharacters = 20_000
    static let timeout: TimeInterval = 60

    /// The Apertium installed here, with the pairs it has (`apertium -l`); nil where it is not installed.
    public static func installed(executable: String = "/usr/bin/apertium") async -> ApertiumTranslator? {
        guard FileManager.default.isExecutableFile(atPath: executable),
            let listed = try? await run(executable, ["-l"], input: Data())
        else { return nil }
        let installed = Set(String(decoding: listed, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init))
        let modes = GistRoute.apertiumModes.filter { installed.contains($0.key) }
        return modes.isEmpty ? nil : ApertiumTranslator(executable: executable, modes: modes)
    }

    public func route(from source: Language, to target: Language) -> GistRoute? { GistRoute.find(from: source, to: target, modes: modes) }

    public func gist(_ text: String, from source: Language, to target: Language) async throws(GistFailure) -> Gist {
        guard let route = route(from: source, to: target) else { throw .noRoute(source, target) }
        guard text.count <= Self.maximumCharacters else { throw .tooLong(maximum: Self.maximumCharacters) }
        var current = Data(text.utf8)
        for step in route.steps {
            // -u: an unknown word is left as written, without Apertium's `*` mark; the label says it is a machine's.
            do { current = try await Self.run(executable, ["-u", step.mode], input: current) } catch { throw .engine("\(error)") }
        }
        let rendered = String(decoding: current, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Gist(text: rendered, route: route, engine: name)
    }

    struct ProcessFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs the engine with `input` on its standard input and returns its standard output, killing it past the
    /// timeout. The input is written while the output is read, so neither pipe can fill and stall the other.
    static func run(_ executable: String, _ arguments: [String], input: Data) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let stdin = Pipe()
                let stdout = Pipe()
                process.standardInput = stdin
                process.standardOutput = stdout
                process.standardError = FileHandle.nullDevice
                do { try process.run() } catch {
                    continuation.resume(throwing: ProcessFailure(description: "\(executable) did not start: \(error)"))
                    return
                }
                let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
                DispatchQueue.global().async {
                    try? stdin.fileHandleForWriting.write(contentsOf: input)
                    try? stdin.fileHandleForWriting.close()
                }
                let output = stdout.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                deadline.cancel()
                guard process.terminationReason == .exit, process.terminationStatus == 0 else {
                    continuation.resume(throwing: ProcessFailure(description: "\(executable) \(arguments.joined(separator: " ")) failed"))
                    return
                }
                continuation.resume(returning: output)
            }
        }
    }
}
