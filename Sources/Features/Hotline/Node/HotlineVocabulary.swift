import Languages

/// The hotline's structure in the eight languages: template titles, field labels, the values of fields with
/// choices, priorities. A notification written in Russian is read in French with all of these in French; what
/// people typed stays as written. Every entry is in every language (a test holds it).
enum HotlineVocabulary {
    /// By key: `template.<template>`, `field.<field name>`, `choice.<value>`, `priority.<priority>`.
    static let entries: [String: [Language: String]] = [
        "template.notification": [
            .english: "Notification of an incident", .french: "Notification d'incident", .spanish: "Notificación de incidente",
            .german: "Meldung eines Vorfalls", .italian: "Notifica di incidente", .russian: "Уведомление об инциденте", .arabic: "الإخطار بحادث",
            .chinese: "事件通报",
        ],
        "template.request-information": [
            .english: "Request for information", .french: "Demande d'information", .spanish: "Solicitud de información", .german: "Auskunftsersuchen",
            .italian: "Richiesta di informazioni", .russian: "Запрос информации", .arabic: "طلب معلومات", .chinese: "信息请求",
        ],
        "template.request-assistance": [
            .english: "Request for assistance", .french: "Demande d'assistance", .spanish: "Solicitud de asistencia",
            .german: "Unterstützungsersuchen", .italian: "Richiesta di assistenza", .russian: "Запрос о помощи", .arabic: "طلب مساعدة",
            .chinese: "援助请求",
        ],
        "template.response": [
            .english: "Response / follow-up", .french: "Réponse / suivi", .spanish: "Respuesta / seguimiento", .german: "Antwort / Folgemaßnahmen",
            .italian: "Risposta / seguito", .russian: "Ответ / последующие действия", .arabic: "رد / متابعة", .chinese: "答复/后续",
        ],
        "template.communication-check": [
            .english: "Communication check", .french: "Vérification de liaison", .spanish: "Prueba de comunicación", .german: "Erreichbarkeitstest",
            .italian: "Verifica di collegamento", .russian: "Проверка связи", .arabic: "اختبار الاتصال", .chinese: "通信检查",
        ],
        "template.free-text": [
            .english: "Free text", .french: "Texte libre", .spanish: "Texto libre", .german: "Freitext", .italian: "Testo libero",
            .russian: "Свободный текст", .arabic: "نص حر", .chinese: "自由文本",
        ],
        "field.incidentType": [
            .english: "Type of incident", .french: "Type d'incident", .spanish: "Tipo de incidente", .german: "Art des Vorfalls",
            .italian: "Tipo di incidente", .russian: "Тип инцидента", .arabic: "نوع الحادث", .chinese: "事件类型",
        ],
        "field.firstObserved": [
            .english: "First observed (UTC)", .french: "Première observation (UTC)", .spanish: "Primera observación (UTC)",
            .german: "Zuerst beobachtet (UTC)", .italian: "Prima osservazione (UTC)", .russian: "Впервые замечено (UTC)",
            .arabic: "أول رصد (بالتوقيت العالمي)", .chinese: "首次发现（UTC）",
        ],
        "field.affectedSectors": [
            .english: "Affected sectors", .french: "Secteurs touchés", .spanish: "Sectores afectados", .german: "Betroffene Sektoren",
            .italian: "Settori colpiti", .russian: "Затронутые отрасли", .arabic: "القطاعات المتضررة", .chinese: "受影响的部门",
        ],
        "field.impact": [
            .english: "Impact", .french: "Incidence", .spanish: "Impacto", .german: "Auswirkungen", .italian: "Impatto", .russian: "Последствия",
            .arabic: "الأثر", .chinese: "影响",
        ],
        "field.indicators": [
            .english: "Indicators of compromise", .french: "Indicateurs de compromission", .spanish: "Indicadores de compromiso",
            .german: "Kompromittierungsindikatoren", .italian: "Indicatori di compromissione", .russian: "Индикаторы компрометации",
            .arabic: "مؤشرات الاختراق", .chinese: "入侵指标",
        ],
        "field.actionsTaken": [
            .english: "Actions taken so far", .french: "Mesures prises à ce jour", .spanish: "Medidas adoptadas hasta ahora",
            .german: "Bisher ergriffene Maßnahmen", .italian: "Azioni intraprese finora", .russian: "Принятые меры",
            .arabic: "الإجراءات المتخذة حتى الآن", .chinese: "迄今采取的行动",
        ],
        "field.informationRequested": [
            .english: "Information requested", .french: "Informations demandées", .spanish: "Información solicitada",
            .german: "Erbetene Informationen", .italian: "Informazioni richieste", .russian: "Запрашиваемая информация",
            .arabic: "المعلومات المطلوبة", .chinese: "所请求的信息",
        ],
        "field.purpose": [
            .english: "Purpose", .french: "Objet", .spanish: "Finalidad", .german: "Zweck", .italian: "Finalità", .russian: "Цель", .arabic: "الغرض",
            .chinese: "目的",
        ],
        "field.respondBy": [
            .english: "Respond by (UTC)", .french: "Réponse attendue avant (UTC)", .spanish: "Responder antes de (UTC)", .german: "Antwort bis (UTC)",
            .italian: "Rispondere entro (UTC)", .russian: "Ответить до (UTC)", .arabic: "الرد قبل (بالتوقيت العالمي)", .chinese: "答复期限（UTC）",
        ],
        "field.assistanceType": [
            .english: "Assistance requested", .french: "Assistance demandée", .spanish: "Asistencia solicitada", .german: "Erbetene Unterstützung",
            .italian: "Assistenza richiesta", .russian: "Запрашиваемая помощь", .arabic: "المساعدة المطلوبة", .chinese: "所请求的援助",
        ],
        "field.details": [
            .english: "Details", .french: "Précisions", .spanish: "Detalles", .german: "Einzelheiten", .italian: "Dettagli", .russian: "Подробности",
            .arabic: "التفاصيل", .chinese: "详情",
        ],
        "field.status": [
            .english: "Status", .french: "Statut", .spanish: "Estado", .german: "Status", .italian: "Stato", .russian: "Статус", .arabic: "الحالة",
            .chinese: "状态",
        ],
        "field.nextSteps": [
            .english: "Next steps", .french: "Prochaines étapes", .spanish: "Próximos pasos", .german: "Nächste Schritte", .italian: "Prossime fasi",
            .russian: "Дальнейшие шаги", .arabic: "الخطوات التالية", .chinese: "后续步骤",
        ],
        "choice.ransomware": [
            .english: "ransomware", .french: "rançongiciel", .spanish: "ransomware", .german: "Ransomware", .italian: "ransomware",
            .russian: "программа-вымогатель", .arabic: "برمجية فدية", .chinese: "勒索软件",
        ],
        "choice.ddos": [
            .english: "denial of service (DDoS)", .french: "déni de service (DDoS)", .spanish: "denegación de servicio (DDoS)",
            .german: "Überlastungsangriff (DDoS)", .italian: "negazione del servizio (DDoS)", .russian: "отказ в обслуживании (DDoS)",
            .arabic: "حجب الخدمة (DDoS)", .chinese: "拒绝服务（DDoS）",
        ],
        "choice.intrusion": [
            .english: "intrusion", .french: "intrusion", .spanish: "intrusión", .german: "Eindringen", .italian: "intrusione", .russian: "вторжение",
            .arabic: "اختراق", .chinese: "入侵",
        ],
        "choice.data-breach": [
            .english: "data breach", .french: "violation de données", .spanish: "violación de datos", .german: "Datenschutzverletzung",
            .italian: "violazione dei dati", .russian: "утечка данных", .arabic: "خرق للبيانات", .chinese: "数据泄露",
        ],
        "choice.malware": [
            .english: "malware", .french: "logiciel malveillant", .spanish: "programa malicioso", .german: "Schadsoftware",
            .italian: "software malevolo", .russian: "вредоносная программа", .arabic: "برمجية خبيثة", .chinese: "恶意软件",
        ],
        "choice.defacement": [
            .english: "defacement", .french: "défiguration de site", .spanish: "desfiguración", .german: "Defacement", .italian: "defacement",
            .russian: "дефейс", .arabic: "تشويه موقع", .chinese: "网页篡改",
        ],
        "choice.supply-chain": [
            .english: "supply chain", .french: "chaîne d'approvisionnement", .spanish: "cadena de suministro", .german: "Lieferkette",
            .italian: "catena di approvvigionamento", .russian: "цепочка поставок", .arabic: "سلسلة الإمداد", .chinese: "供应链",
        ],
        "choice.other": [
            .english: "other", .french: "autre", .spanish: "otro", .german: "sonstiges", .italian: "altro", .russian: "другое", .arabic: "أخرى",
            .chinese: "其他",
        ],
        "choice.logs": [
            .english: "logs", .french: "journaux", .spanish: "registros", .german: "Protokolldaten", .italian: "log", .russian: "журналы",
            .arabic: "السجلات", .chinese: "日志",
        ],
        "choice.indicators": [
            .english: "indicators", .french: "indicateurs", .spanish: "indicadores", .german: "Indikatoren", .italian: "indicatori",
            .russian: "индикаторы", .arabic: "المؤشرات", .chinese: "指标",
        ],
        "choice.takedown": [
            .english: "takedown", .french: "retrait", .spanish: "retirada", .german: "Abschaltung", .italian: "rimozione", .russian: "блокировка",
            .arabic: "إزالة", .chinese: "关停",
        ],
        "choice.investigation": [
            .english: "investigation", .french: "enquête", .spanish: "investigación", .german: "Ermittlung", .italian: "indagine",
            .russian: "расследование", .arabic: "تحقيق", .chinese: "调查",
        ],
        "choice.mitigation": [
            .english: "mitigation", .french: "atténuation", .spanish: "mitigación", .german: "Eindämmung", .italian: "mitigazione",
            .russian: "смягчение последствий", .arabic: "التخفيف", .chinese: "缓解",
        ],
        "choice.accepted": [
            .english: "accepted", .french: "acceptée", .spanish: "aceptada", .german: "angenommen", .italian: "accettata", .russian: "принято",
            .arabic: "مقبول", .chinese: "已接受",
        ],
        "choice.declined": [
            .english: "declined", .french: "refusée", .spanish: "rechazada", .german: "abgelehnt", .italian: "rifiutata", .russian: "отклонено",
            .arabic: "مرفوض", .chinese: "已拒绝",
        ],
        "choice.partial": [
            .english: "partial", .french: "partielle", .spanish: "parcial", .german: "teilweise", .italian: "parziale", .russian: "частично",
            .arabic: "جزئي", .chinese: "部分",
        ],
        "choice.information": [
            .english: "information", .french: "information", .spanish: "información", .german: "Information", .italian: "informazione",
            .russian: "информация", .arabic: "معلومات", .chinese: "信息",
        ],
        "priority.routine": [
            .english: "ROUTINE", .french: "ROUTINE", .spanish: "ORDINARIA", .german: "ROUTINE", .italian: "ORDINARIA", .russian: "ОБЫЧНАЯ",
            .arabic: "عادية", .chinese: "常规",
        ],
        "priority.urgent": [
            .english: "URGENT", .french: "URGENT", .spanish: "URGENTE", .german: "DRINGEND", .italian: "URGENTE", .russian: "СРОЧНАЯ",
            .arabic: "عاجلة", .chinese: "紧急",
        ],
        "priority.flash": [
            .english: "FLASH", .french: "FLASH", .spanish: "FLASH", .german: "BLITZ", .italian: "LAMPO", .russian: "МОЛНИЯ", .arabic: "فورية",
            .chinese: "特急",
        ],
    ]

    /// The words for `key` in `language`; `fallback` (the English the model holds) where there are none.
    static func text(_ key: String, in language: Language, fallback: String) -> String { entries[key]?[language] ?? fallback }
}
