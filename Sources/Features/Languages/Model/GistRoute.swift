/// How a machine gist goes from one language to another with the engine's language pairs: directly where a pair
/// exists, else through a pivot language (Spanish, for Apertium's pairs), else not at all — and the page says so.
public struct GistRoute: Sendable, Equatable {
    /// One step: an engine pair, named as the engine names it (`eng-spa`).
    public struct Step: Sendable, Equatable {
        public let from: Language
        public let to: Language
        public let mode: String
    }

    public let steps: [Step]

    /// The languages the text passes through, in order: `en → es → fr`.
    public var path: [Language] { steps.isEmpty ? [] : [steps[0].from] + steps.map(\.to) }

    /// Apertium's pairs in Debian (apertium-eng-spa, apertium-fr-es, apertium-spa-ita), by mode name.
    public static let apertiumModes: [String: (Language, Language)] = [
        "eng-spa": (.english, .spanish), "spa-eng": (.spanish, .english), "fr-es": (.french, .spanish), "es-fr": (.spanish, .french),
        "ita-spa": (.italian, .spanish), "spa-ita": (.spanish, .italian),
    ]

    /// The shortest route over `modes` (mode name → the pair it translates), through at most one `pivot`; nil
    /// when there is none, or when the two languages are the same.
    public static func find(
        from source: Language,
        to target: Language,
        modes: [String: (Language, Language)],
        pivot: Language = .spanish
    )
        -> GistRoute?
    {
        guard source != target else { return nil }
        func step(_ from: Language, _ to: Language) -> Step? {
            modes.filter { $0.value == (from, to) }.keys.sorted().first.map { Step(from: from, to: to, mode: $0) }
        }
        if let direct = step(source, target) { return GistRoute(steps: [direct]) }
        guard source != pivot, target != pivot, let first = step(source, pivot), let second = step(pivot, target) else { return nil }
        return GistRoute(steps: [first, second])
    }
}
