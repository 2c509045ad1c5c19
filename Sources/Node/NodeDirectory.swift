import Crypto
import EntenteProtocol
import Federation
import Foundation
import Hotline

/// A node's data directory, created by `entente init` with owner-only permissions:
///
///     node.json        who the node is: id, name, kind, public URL, POCs, deadlines
///     keys.json        the Ed25519 and X25519 private keys (0600)
///     rotation.json    after `entente keys rotate`: the previous public keys and their signature over the new ones
///     descriptor-sequence.json  the descriptor's sequence and a digest of what it said when that was set
///     operator-token   the bearer token for the node's API (0600)
///     entente.sqlite   the database, unless --database names PostgreSQL
///     serving.json     the address a running `entente serve` listens on
public struct NodeDirectory: Sendable {
    public let path: URL

    public init(path: String) { self.path = URL(fileURLWithPath: path, isDirectory: true) }

    var configurationFile: URL { path.appendingPathComponent("node.json") }
    var keysFile: URL { path.appendingPathComponent("keys.json") }
    var operatorTokenFile: URL { path.appendingPathComponent("operator-token") }
    var servingFile: URL { path.appendingPathComponent("serving.json") }
    var rotationFile: URL { path.appendingPathComponent("rotation.json") }
    var descriptorSequenceFile: URL { path.appendingPathComponent("descriptor-sequence.json") }
    public var sqlitePath: String { path.appendingPathComponent("entente.sqlite").path }

    public struct Configuration: Codable, Sendable {
        public var id: ParticipantID
        public var name: String
        public var kind: ParticipantKind
        public var url: String
        public var pointsOfContact: [PointOfContact]
        /// Seconds a person has to acknowledge each priority.
        public var acknowledgementDeadlines: [String: Int]

        public init(
            id: ParticipantID,
            name: String,
            kind: ParticipantKind,
            url: String,
            pointsOfContact: [PointOfContact],
            acknowledgementDeadlines: [String: Int] = [:]
        ) {
            self.id = id
            self.name = name
            self.kind = kind
            self.url = url
            self.pointsOfContact = pointsOfContact
            self.acknowledgementDeadlines = acknowledgementDeadlines
        }

        public var acknowledgementPolicy: AcknowledgementPolicy {
            let defaults = AcknowledgementPolicy.defaults
            func deadline(_ priority: Priority) -> Duration {
                acknowledgementDeadlines[priority.rawValue].map { .seconds($0) } ?? defaults.deadline(for: priority)
            }
            return AcknowledgementPolicy(routine: deadline(.routine), urgent: deadline(.urgent), flash: deadline(.flash))
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case alreadyInitialized(String)
        case notInitialized(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .alreadyInitialized(let path): "\(path) already holds a node; refusing to overwrite its keys"
            case .notInitialized(let path): "\(path) holds no node; run `entente init --data \(path) …` first"
            case .invalid(let detail): detail
            }
        }
    }

    /// Creates the directory, keys and token. Refuses to touch an existing node.
    @discardableResult
    public func initialize(_ configuration: Configuration) throws -> LocalIdentity {
        let files = FileManager.default
        if files.fileExists(atPath: keysFile.path) { throw Failure.alreadyInitialized(path.path) }
        guard URL(string: configuration.url)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
            throw Failure.invalid("--url must be an http:// or https:// URL")
        }
        try files.createDirectory(at: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path.path)
        let keys = NodeKeys()
        try write(Data(keys.fileContent.canonicalBytes), to: keysFile, permissions: 0o600)
        try write(Data(Secret.generate().utf8), to: operatorTokenFile, permissions: 0o600)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try write(try encoder.encode(configuration), to: configurationFile, permissions: 0o600)
        return try loadIdentity()
    }

    public func loadConfiguration() throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: configurationFile.path) else { throw Failure.notInitialized(path.path) }
        do { return try JSONDecoder().decode(Configuration.self, from: data) } catch {
            throw Failure.invalid("\(configurationFile.path) is not a valid node configuration: \(error)")
        }
    }

    public func loadIdentity() throws -> LocalIdentity {
        let configuration = try loadConfiguration()
        guard let keyData = FileManager.default.contents(atPath: keysFile.path) else { throw Failure.notInitialized(path.path) }
        let keys = try NodeKeys(fileContent: JSONValue(parsing: keyData))
        let rotation = try FileManager.default.contents(atPath: rotationFile.path).map { data in
            try KeyRotation(json: JSONValue(parsing: data))
        }
        var identity = LocalIdentity(
            id: configuration.id,
            name: configuration.name,
            kind: configuration.kind,
            endpoint: configuration.url,
            keys: keys,
            pointsOfContact: configuration.pointsOfContact,
            acknowledgementPolicy: configuration.acknowledgementPolicy,
            rotation: rotation
        )
        identity.descriptorSequence = try descriptorSequence(for: identity.descriptor.content)
        return identity
    }

    /// The descriptor's sequence number, advanced (to the time in milliseconds, or one more) whenever
    /// what the descriptor says has changed since it was last served: peers refuse a lower one.
    func descriptorSequence(for content: JSONValue) throws -> Int64 {
        let digest = Base64URL.encode(Data(SHA256.hash(data: content.canonicalBytes)))
        let stored = FileManager.default.contents(atPath: descriptorSequenceFile.path).flatMap { try? JSONValue(parsing: $0) }
        let sequence = stored?["sequence"]?.integerValue ?? 0
        if stored?["content"]?.stringValue == digest { return sequence }
        let next = max(sequence + 1, Date().unixMilliseconds)
        try write(
            Data((["sequence": .number(Double(next)), "content": .string(digest)] as JSONValue).canonicalBytes),
            to: descriptorSequenceFile,
            permissions: 0o600
        )
        return next
    }

    /// Replaces the node's keys with new ones and records the old signing key's
    /// signature over them, which pinned peers require before they accept the change.
    /// Run it while the node is stopped; envelopes still queued were signed with the old key.
    @discardableResult
    public func rotateKeys() throws -> (previous: Fingerprint, current: Fingerprint) {
        let identity = try loadIdentity()
        let newKeys = NodeKeys()
        let rotation = try KeyRotation.sign(id: identity.id, newKeys: newKeys.publicKeys, previous: identity.keys)
        try write(Data(rotation.json.canonicalBytes), to: rotationFile, permissions: 0o600)
        try write(Data(newKeys.fileContent.canonicalBytes), to: keysFile, permissions: 0o600)
        return (identity.keys.publicKeys.fingerprint, newKeys.publicKeys.fingerprint)
    }

    public func operatorToken() throws -> String {
        guard let data = FileManager.default.contents(atPath: operatorTokenFile.path) else { throw Failure.notInitialized(path.path) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The address of the running node: where `serve` said it listens, else the configured URL.
    public func nodeAddress() throws -> String {
        if let data = FileManager.default.contents(atPath: servingFile.path),
            let url = try? JSONValue(parsing: data)["url"]?.stringValue
        {
            return url
        }
        return try loadConfiguration().url
    }

    func recordServing(url: String) throws {
        try write(Data((["url": .string(url)] as JSONValue).canonicalBytes), to: servingFile, permissions: 0o600)
    }

    private func write(_ data: Data, to file: URL, permissions: Int) throws {
        try data.write(to: file, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: file.path)
    }
}
