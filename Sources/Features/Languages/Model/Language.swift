/// The languages Entente reads and shows: the UN's six official languages, and German and Italian, which the
/// OSCE adds.
public enum Language: String, Sendable, CaseIterable, Codable, Comparable {
    case arabic = "ar"
    case chinese = "zh"
    case english = "en"
    case french = "fr"
    case russian = "ru"
    case spanish = "es"
    case german = "de"
    case italian = "it"

    /// The BCP 47 code: `ar`, `zh`, `en`, `fr`, `ru`, `es`, `de`, `it`.
    public var code: String { rawValue }

    /// The language's name in English, for the CLI.
    public var englishName: String {
        switch self {
        case .arabic: "Arabic"
        case .chinese: "Chinese"
        case .english: "English"
        case .french: "French"
        case .russian: "Russian"
        case .spanish: "Spanish"
        case .german: "German"
        case .italian: "Italian"
        }
    }

    /// The language's name in itself, as a language switch offers it.
    public var endonym: String {
        switch self {
        case .arabic: "العربية"
        case .chinese: "中文"
        case .english: "English"
        case .french: "Français"
        case .russian: "Русский"
        case .spanish: "Español"
        case .german: "Deutsch"
        case .italian: "Italiano"
        }
    }

    /// The endonym, with the English name beside it where they differ: `Français — French`, `English`.
    public var label: String { endonym == englishName ? endonym : "\(endonym) — \(englishName)" }

    /// Written right to left: the page is mirrored (`dir="rtl"`).
    public var isRightToLeft: Bool { self == .arabic }

    /// The language of a BCP 47 tag (`fr-CH`, `zh-Hans-CN`, `AR`; a POSIX `de_AT` too), if it is one of these.
    public init?(tag: some StringProtocol) {
        let primary = tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        self.init(rawValue: primary)
    }

    public static func < (left: Language, right: Language) -> Bool { left.rawValue < right.rawValue }
}
