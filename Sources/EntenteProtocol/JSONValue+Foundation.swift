import Foundation

extension JSONValue {
    /// The JSON form of an `Encodable` value, ready to canonicalize or sign.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        try self.init(parsing: encoder.encode(value))
    }

    public func decoded<T: Decodable>(as type: T.Type) throws(ProtocolError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(canonicalBytes))
        } catch let DecodingError.dataCorrupted(context) {
            throw .malformed(context.debugDescription)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .malformed("missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformed("wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .malformed("null at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .malformed("\(error)")
        }
    }
}
