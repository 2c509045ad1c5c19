import Foundation

/// C2SP tlog-policy: which logs a verifier accepts, which witnesses it knows, and the quorum of them whose
/// cosignatures make a checkpoint count.
///
///     log entente/EST+1a2b3c4d+AQ…
///     witness LVA entente/LVA+5e6f7a8b+BA…
///     witness LTU entente/LTU+9c0d1e2f+BA…
///     witness OSCE entente/OSCE+3a4b5c6d+BA…
///     group peers 2 LVA LTU OSCE
///     quorum peers
public struct WitnessPolicy: Sendable, Equatable {
    public struct Witness: Sendable, Equatable {
        public let name: String
        public let key: CosignerKey
        public let url: String?

        public init(name: String, key: CosignerKey, url: String? = nil) {
            self.name = name
            self.key = key
            self.url = url
        }
    }

    /// A group is witnessed when at least `threshold` of its members are.
    public struct Group: Sendable, Equatable {
        public let name: String
        public let threshold: Int
        public let members: [String]
    }

    public let logs: [NoteVerifier]
    public let witnesses: [Witness]
    public let groups: [Group]
    /// A witness's or a group's name, or `nil` for `quorum none`.
    public let quorum: String?

    public init(logs: [NoteVerifier], witnesses: [Witness], groups: [Group] = [], quorum: String?) {
        self.logs = logs
        self.witnesses = witnesses
        self.groups = groups
        self.quorum = quorum
    }

    /// One log, its witnesses, and a quorum of `threshold` of them (`quorum none` when zero).
    public static func threshold(_ threshold: Int, of witnesses: [Witness], log: NoteVerifier) -> WitnessPolicy {
        guard threshold > 0, !witnesses.isEmpty else { return WitnessPolicy(logs: [log], witnesses: witnesses, quorum: nil) }
        let group = Group(name: "witnesses", threshold: min(threshold, witnesses.count), members: witnesses.map(\.name))
        return WitnessPolicy(logs: [log], witnesses: witnesses, groups: [group], quorum: group.name)
    }

    /// Limits well above what the spec asks implementations to support (32 of each).
    static let maximumLines = 1_000

    public init(parsing text: String) throws(PolicyError) {
        var logs: [NoteVerifier] = []
        var witnesses: [Witness] = []
        var groups: [Group] = []
        var quorum: String??
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count <= Self.maximumLines else { throw .invalid(line: Self.maximumLines, "a policy has at most \(Self.maximumLines) lines") }
        func defined(_ name: Substring) -> Bool { witnesses.contains { $0.name == name } || groups.contains { $0.name == name } }
        for (number, line) in lines.enumerated() {
            let number = number + 1
            guard line.unicodeScalars.allSatisfy({ $0 == "\t" || $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw .invalid(line: number, "only tab and newline among control characters")
            }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first, !keyword.hasPrefix("#") else { continue }
            switch keyword {
            case "log":
                guard words.count == 2 || words.count == 3 else { throw .invalid(line: number, "log <vkey> [<url>]") }
                let key: NoteVerifier
                do { key = try NoteVerifier(parsing: String(words[1])) } catch { throw .invalid(line: number, error.description) }
                guard !logs.contains(where: { $0.key.rawRepresentation == key.key.rawRepresentation }) else {
                    throw .invalid(line: number, "a log listed twice")
                }
                logs.append(key)
            case "witness":
                guard words.count == 3 || words.count == 4 else { throw .invalid(line: number, "witness <name> <vkey> [<url>]") }
                guard words[1] != "none", !defined(words[1]) else { throw .invalid(line: number, "“\(words[1])” is already defined") }
                let key: CosignerKey
                do { key = try CosignerKey(parsing: String(words[2])) } catch { throw .invalid(line: number, error.description) }
                guard !witnesses.contains(where: { $0.key.key.rawRepresentation == key.key.rawRepresentation }) else {
                    throw .invalid(line: number, "a witness key listed twice")
                }
                witnesses.append(Witness(name: String(words[1]), key: key, url: words.count == 4 ? String(words[3]) : nil))
            case "group":
                guard words.count >= 4 else { throw .invalid(line: number, "group <name> all|any|<k> <name>...") }
                guard words[1] != "none", !defined(words[1]) else { throw .invalid(line: number, "“\(words[1])” is already defined") }
                let members = words.dropFirst(3).map(String.init)
                guard members.allSatisfy({ defined(Substring($0)) }) else { throw .invalid(line: number, "a group's members are defined above it") }
                guard Set(members).count == members.count else { throw .invalid(line: number, "a member is listed once") }
                let threshold: Int
                switch words[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard let k = Int(words[2]), String(k) == words[2], (1...members.count).contains(k) else {
                        throw .invalid(line: number, "a threshold is all, any, or 1 to the number of members")
                    }
                    threshold = k
                }
                groups.append(Group(name: String(words[1]), threshold: threshold, members: members))
            case "quorum":
                guard words.count == 2 else { throw .invalid(line: number, "quorum <name>") }
                guard quorum == nil else { throw .invalid(line: number, "one quorum line") }
                guard words[1] == "none" || defined(words[1]) else {
                    throw .invalid(line: number, "the quorum names a witness or group defined above it")
                }
                quorum = .some(words[1] == "none" ? nil : String(words[1]))
            default:
                throw .invalid(line: number, "unknown keyword “\(keyword)”")
            }
        }
        guard let quorum else { throw .noQuorum }
        self.init(logs: logs, witnesses: witnesses, groups: groups, quorum: quorum)
    }

    public var text: String {
        var lines = logs.map { "log \($0)" }
        lines += witnesses.map { "witness \($0.name) \($0.key)" + ($0.url.map { " " + $0 } ?? "") }
        lines += groups.map { group in
            let threshold = group.threshold == group.members.count ? "all" : group.threshold == 1 ? "any" : String(group.threshold)
            return "group \(group.name) \(threshold) " + group.members.joined(separator: " ")
        }
        lines.append("quorum \(quorum ?? "none")")
        return lines.map { $0 + "\n" }.joined()
    }

    /// Whether witnesses named in `cosigned` (policy names) make the quorum.
    public func isSatisfied(byWitnesses cosigned: Set<String>) -> Bool {
        guard let quorum else { return true }
        func witnessed(_ name: String) -> Bool {
            if let group = groups.first(where: { $0.name == name }) {
                return group.members.filter(witnessed).count >= group.threshold
            }
            return cosigned.contains(name)
        }
        return witnessed(quorum)
    }

    /// What a checkpoint proves under this policy: signed by a listed log, and by which witnesses.
    public func verify(_ checkpoint: SignedCheckpoint) throws(PolicyError) -> PolicyVerdict {
        guard let log = logs.first(where: { $0.name == checkpoint.checkpoint.origin }) else { throw .unknownLog(checkpoint.checkpoint.origin) }
        do {
            try checkpoint.verify(log: log)
            let cosigned = try checkpoint.cosignatures(by: witnesses.map(\.key))
            let names = cosigned.compactMap { found in witnesses.first { $0.key == found.witness }.map { ($0.name, found.time) } }
            return PolicyVerdict(log: log, cosignatures: names, quorumMet: isSatisfied(byWitnesses: Set(names.map(\.0))))
        } catch {
            throw .badCheckpoint(error)
        }
    }
}

/// A checkpoint checked against a policy: which log signed it, which witnesses cosigned when, and whether
/// they make the quorum.
public struct PolicyVerdict: Sendable {
    public let log: NoteVerifier
    public let cosignatures: [(witness: String, time: Date)]
    public let quorumMet: Bool
}

public enum PolicyError: Error, Equatable, CustomStringConvertible {
    case invalid(line: Int, String)
    case noQuorum
    case unknownLog(String)
    case badCheckpoint(NoteError)

    public var description: String {
        switch self {
        case .invalid(let line, let reason): "policy line \(line): \(reason)"
        case .noQuorum: "a policy has one quorum line (quorum none for no witnesses)"
        case .unknownLog(let origin): "the policy lists no log \(origin)"
        case .badCheckpoint(let error): error.description
        }
    }
}
