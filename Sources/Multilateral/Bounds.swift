import EntenteProtocol

/// The bounds every body checks, worded the same way everywhere.
enum Bounds {
    static func text(_ value: String, _ name: String, max: Int, required: Bool = true) throws(RecordError) {
        if required, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .invalid("\(name) is required") }
        guard value.utf8.count <= max else { throw .invalid("\(name) is longer than \(max) bytes") }
    }

    static func list<T>(_ values: [T], _ name: String, count: ClosedRange<Int>) throws(RecordError) {
        guard count.contains(values.count) else { throw .invalid("\(name) must list \(count.lowerBound) to \(count.upperBound) items") }
    }

    static func distinct<T: Hashable>(_ values: [T], _ name: String) throws(RecordError) {
        guard Set(values).count == values.count else { throw .invalid("\(name) lists an item twice") }
    }

    static func entryID(_ value: String, _ name: String) throws(RecordError) {
        guard UUIDv7.isValid(value) else { throw .invalid("\(name) must be an entry id (lowercase UUIDv7)") }
    }

    static func timestamp(_ value: String, _ name: String) throws(RecordError) {
        guard Timestamp.milliseconds(value) != nil else { throw .invalid("\(name) must be an RFC 3339 UTC timestamp with milliseconds") }
    }

    static func sha256(_ value: String, _ name: String) throws(RecordError) {
        guard value.utf8.count == 64, value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .invalid("\(name) must be a lowercase hex SHA-256")
        }
    }

    /// A calendar date, YYYY-MM-DD.
    static func date(_ value: String, _ name: String) throws(RecordError) {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil, (1...12).contains(month), (1...31).contains(day)
        else { throw .invalid("\(name) must be a date, YYYY-MM-DD") }
    }
}
