import EntenteProtocol
import Foundation
import Logging

/// One JSON object per line on standard error — `serve --log-format json`, for log
/// collectors: `{"ts", "level", "logger", "message", "source", …metadata}`, where
/// metadata includes `request_id` and `node`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        let all = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in all { fields[key] = Self.json(value) }
        fields["ts"] = .string(Timestamp.format(Date()))
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["message"] = .string(event.message.description)
        fields["source"] = .string(event.source)
        FileHandle.standardError.write(Data(JSONValue.object(fields).canonicalBytes + [UInt8(ascii: "\n")]))
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }
}
