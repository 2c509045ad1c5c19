import Hotline
import Languages
import Testing

@testable import Node

@Suite("The hotline's structure in the eight languages")
struct HotlineVocabularyTests {
    /// Every template, field, choice and priority has words in every language; none is left in English but
    /// where the word is the same (FLASH, ransomware, forum…).
    @Test func everyPartOfTheStructureIsInEveryLanguage() {
        var keys = Priority.allCases.map { "priority.\($0.rawValue)" }
        for template in Template.allCases {
            keys.append("template.\(template.rawValue)")
            for field in template.fields {
                keys.append("field.\(field.name)")
                keys += (field.choices ?? []).map { "choice.\($0)" }
            }
        }
        for key in Set(keys) {
            let entry = HotlineVocabulary.entries[key] ?? [:]
            #expect(Set(entry.keys) == Set(Language.allCases), "\(key)")
            #expect(entry.values.allSatisfy { !$0.isEmpty }, "\(key)")
        }
        #expect(Set(HotlineVocabulary.entries.keys) == Set(keys), "no entry the structure does not have")
    }

    /// A notification's structure read in French; what the sender typed stays as typed, in the sender's language.
    @Test func aRussianNotificationReadsInFrench() {
        let content = HotlineMessage(
            template: .notification,
            priority: .flash,
            subject: "Атака",
            language: "ru",
            fields: ["incidentType": "ransomware", "impact": "Серьёзное"],
            acknowledgeBy: "2026-12-08T10:00:00.000Z"
        )
        let fields = HotlineWebRoutes.fields(of: content, in: .french)
        #expect(fields.map(\.label) == ["Incidence", "Type d'incident"])
        #expect(fields.map(\.value) == ["Серьёзное", "rançongiciel"])
        #expect(fields.map(\.valueLanguage) == ["ru", "fr"])
    }
}
