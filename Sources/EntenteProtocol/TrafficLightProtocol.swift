/// FIRST's Traffic Light Protocol 2.0 labels, written on the wire as lowercase
/// (`clear`, `green`, `amber`, `amber+strict`, `red`).
public enum TLP: String, Sendable, Codable, CaseIterable {
    case clear
    case green
    case amber
    case amberStrict = "amber+strict"
    case red

    /// The label as TLP 2.0 says it is to be displayed.
    public var label: String { "TLP:" + rawValue.uppercased() }
}
