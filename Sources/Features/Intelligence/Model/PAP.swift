import EntenteProtocol

/// The Permissible Actions Protocol (FIRST): what a recipient may *do* with information, where
/// TLP says who may *see* it. STIX has no property for it; producers carry it as a `PAP:…`
/// label (MISP tags, misp-stix) or a custom property. Entente keeps the object as it came and
/// reads the level from either, to show it.
public enum PAP: String, Sendable, CaseIterable {
    case clear = "CLEAR"
    case green = "GREEN"
    case amber = "AMBER"
    case red = "RED"

    /// The level an object carries, if any; PAP:WHITE (PAP 1.0) reads as CLEAR.
    public static func of(_ object: JSONValue) -> PAP? {
        let labels = (object["labels"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0.uppercased().hasPrefix("PAP:") }.map {
            String($0.dropFirst(4))
        }
        let properties = ["x_pap", "x_misp_pap"].compactMap { object[$0]?.stringValue }
        return (labels + properties).compactMap { level in
            let name = level.uppercased().trimmingCharacters(in: .whitespaces)
            return name == "WHITE" ? .clear : PAP(rawValue: name)
        }.first
    }
}
