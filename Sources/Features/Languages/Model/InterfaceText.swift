import Foundation

/// The interface's own words in the eight languages: what frames every page (the navigation, signing out, the
/// language switch). Every key is in every language (a test holds it); free text people write is never here.
public enum InterfaceText {
    public enum Key: String, CaseIterable, Sendable {
        case inbox, sent, compose, cases, forums, agreements, norms, confidenceBuilding, drills, capacityBuilding, intelligence
        case detection, directory, checks, log, signOut, language
    }

    /// The key of a navigation entry, by the page it leads to.
    public static let navigation: [String: Key] = [
        "/inbox": .inbox, "/sent": .sent, "/compose": .compose, "/cases": .cases, "/forums": .forums, "/agreements": .agreements,
        "/norms": .norms, "/cbms": .confidenceBuilding, "/drills": .drills, "/capacity": .capacityBuilding,
        "/intelligence": .intelligence, "/detection": .detection, "/directory": .directory, "/checks": .checks, "/log": .log,
    ]

    public static func text(_ key: Key, in language: Language) -> String { catalogue[language]?[key] ?? english[key] ?? key.rawValue }

    static let english: [Key: String] = [
        .inbox: "Inbox", .sent: "Sent", .compose: "Compose", .cases: "Cases", .forums: "Forums", .agreements: "Agreements",
        .norms: "Norms", .confidenceBuilding: "CBMs", .drills: "Drills", .capacityBuilding: "Capacity building",
        .intelligence: "Intelligence", .detection: "Detection", .directory: "Directory", .checks: "Communication checks", .log: "Log",
        .signOut: "Sign out", .language: "Language",
    ]

    static let catalogue: [Language: [Key: String]] = [
        .english: english,
        .french: [
            .inbox: "Boîte de réception", .sent: "Envoyés", .compose: "Rédiger", .cases: "Incidents", .forums: "Forums",
            .agreements: "Accords", .norms: "Normes", .confidenceBuilding: "MDC", .drills: "Exercices",
            .capacityBuilding: "Renforcement des capacités", .intelligence: "Renseignement", .detection: "Détection",
            .directory: "Annuaire", .checks: "Vérifications de liaison", .log: "Journal", .signOut: "Se déconnecter", .language: "Langue",
        ],
        .spanish: [
            .inbox: "Bandeja de entrada", .sent: "Enviados", .compose: "Redactar", .cases: "Incidentes", .forums: "Foros",
            .agreements: "Acuerdos", .norms: "Normas", .confidenceBuilding: "MFC", .drills: "Simulacros",
            .capacityBuilding: "Creación de capacidad", .intelligence: "Inteligencia", .detection: "Detección", .directory: "Directorio",
            .checks: "Pruebas de comunicación", .log: "Registro", .signOut: "Cerrar sesión", .language: "Idioma",
        ],
        .german: [
            .inbox: "Posteingang", .sent: "Gesendet", .compose: "Verfassen", .cases: "Vorfälle", .forums: "Foren",
            .agreements: "Abkommen", .norms: "Normen", .confidenceBuilding: "VBM", .drills: "Übungen",
            .capacityBuilding: "Kapazitätsaufbau", .intelligence: "Bedrohungsinformationen", .detection: "Erkennung",
            .directory: "Verzeichnis", .checks: "Erreichbarkeitstests", .log: "Protokoll", .signOut: "Abmelden", .language: "Sprache",
        ],
        .italian: [
            .inbox: "Posta in arrivo", .sent: "Inviati", .compose: "Scrivi", .cases: "Incidenti", .forums: "Forum",
            .agreements: "Accordi", .norms: "Norme", .confidenceBuilding: "MRF", .drills: "Esercitazioni",
            .capacityBuilding: "Sviluppo delle capacità", .intelligence: "Informazioni sulle minacce", .detection: "Rilevamento",
            .directory: "Rubrica", .checks: "Verifiche di collegamento", .log: "Registro", .signOut: "Esci", .language: "Lingua",
        ],
        .russian: [
            .inbox: "Входящие", .sent: "Отправленные", .compose: "Написать", .cases: "Инциденты", .forums: "Форумы",
            .agreements: "Соглашения", .norms: "Нормы", .confidenceBuilding: "МД", .drills: "Учения",
            .capacityBuilding: "Наращивание потенциала", .intelligence: "Данные об угрозах", .detection: "Обнаружение",
            .directory: "Справочник", .checks: "Проверки связи", .log: "Журнал", .signOut: "Выйти", .language: "Язык",
        ],
        .arabic: [
            .inbox: "البريد الوارد", .sent: "المرسلة", .compose: "إنشاء رسالة", .cases: "الحوادث", .forums: "المنتديات",
            .agreements: "الاتفاقات", .norms: "المعايير", .confidenceBuilding: "تدابير بناء الثقة", .drills: "التمارين",
            .capacityBuilding: "بناء القدرات", .intelligence: "معلومات التهديدات", .detection: "الكشف", .directory: "الدليل",
            .checks: "اختبارات الاتصال", .log: "السجل", .signOut: "تسجيل الخروج", .language: "اللغة",
        ],
        .chinese: [
            .inbox: "收件箱", .sent: "已发送", .compose: "撰写", .cases: "事件", .forums: "论坛", .agreements: "协定", .norms: "规范",
            .confidenceBuilding: "建立信任措施", .drills: "演练", .capacityBuilding: "能力建设", .intelligence: "威胁情报",
            .detection: "检测", .directory: "名录", .checks: "通信检查", .log: "日志", .signOut: "退出", .language: "语言",
        ],
    ]
}

extension Language {
    /// The first of the eight languages an HTTP Accept-Language header asks for, by its q-values (RFC 9110 §12.5.4);
    /// nil when it asks for none of them. A hostile header costs at most its first 64 entries.
    public static func preferred(acceptLanguage header: some StringProtocol) -> Language? {
        var ranges: [(language: Language, quality: Double, position: Int)] = []
        for (position, item) in header.split(separator: ",").prefix(64).enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, let language = Language(tag: tag) else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)).map { min(max($0, 0), 1) } ?? 0
            }
            if quality > 0 { ranges.append((language, quality, position)) }
        }
        return ranges.min { ($1.quality, $0.position) < ($0.quality, $1.position) }?.language
    }
}
