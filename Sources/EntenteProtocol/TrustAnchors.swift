/// The keys a verifier knows each participant by, from its own pins and what the operator
/// confirmed out of band: never from the document being verified. A result or statement
/// carries its signers' keys so that it can be checked offline, but those keys prove only
/// that the file is consistent; who signed is established by finding them here.
public struct TrustAnchors: Sendable, Equatable {
    /// Every fingerprint accepted for each participant: its current keys and those they were rotated from.
    public private(set) var fingerprints: [ParticipantID: Set<Fingerprint>] = [:]
    /// The keys behind those fingerprints, where the anchors know them (a node's pins do; `--expect` gives
    /// fingerprints only): what checks a participant's transparency-log checkpoints and cosignatures.
    public private(set) var keys: [ParticipantID: [PublicKeys]] = [:]

    public init() {}

    public mutating func add(_ participant: ParticipantID, _ fingerprint: Fingerprint) {
        fingerprints[participant, default: []].insert(fingerprint)
    }

    /// Anchors `participant` by a descriptor's keys and the keys its rotation statement replaced.
    public mutating func add(_ participant: ParticipantID, keys: PublicKeys, rotatedFrom previous: PublicKeys?) {
        for known in [keys] + (previous.map { [$0] } ?? []) {
            add(participant, known.fingerprint)
            if !(self.keys[participant]?.contains(known) ?? false) { self.keys[participant, default: []].append(known) }
        }
    }

    public func anchors(_ participant: ParticipantID, _ keys: PublicKeys) -> Bool {
        fingerprints[participant]?.contains(keys.fingerprint) ?? false
    }

    /// Why `keys` do not stand for `participant` here, or nil if they do.
    public func problem(with participant: ParticipantID, _ keys: PublicKeys) -> String? {
        guard let known = fingerprints[participant], !known.isEmpty else {
            return "\(participant) is not anchored: no pinned or expected fingerprint for it"
        }
        guard known.contains(keys.fingerprint) else {
            return
                "\(participant) signed with fingerprint \(keys.fingerprint), which is not its anchored fingerprint \(known.map(\.description).sorted().joined(separator: " or "))"
        }
        return nil
    }

    // MARK: The directory file

    /// `entente directory export`: a node's anchors, for `entente verify --directory`.
    public static let directoryType = "entente.directory"

    /// `{"type": "entente.directory", "v": 1, "exportedBy": ID, "participants": [{"id", "fingerprints": […], "keys": […]}]}`,
    /// `keys` being the public keys behind the fingerprints (current first), each `{"signing", "agreement"}`.
    /// Unsigned on purpose: it is the verifier's own export, and is trusted as far as the
    /// verifier trusts the place it keeps it, exactly like a list of `--expect` fingerprints.
    public func directory(exportedBy: ParticipantID) -> JSONValue {
        [
            "type": .string(Self.directoryType), "v": 1, "exportedBy": .string(exportedBy.rawValue),
            "participants": .array(
                fingerprints.keys.sorted().map { participant in
                    [
                        "id": .string(participant.rawValue),
                        "fingerprints": .array((fingerprints[participant] ?? []).map(\.description).sorted().map(JSONValue.string)),
                        "keys": .array((keys[participant] ?? []).map(\.json)),
                    ]
                }
            ),
        ]
    }

    public init(directory json: JSONValue) throws(ProtocolError) {
        guard json["type"]?.stringValue == Self.directoryType, json["v"]?.integerValue == 1 else {
            throw .malformed("not an Entente directory (type \(Self.directoryType), v 1)")
        }
        guard let participants = json["participants"]?.arrayValue, participants.count <= 10_000 else {
            throw .malformed("participants must be a list of at most 10000")
        }
        for entry in participants {
            guard let id = entry["id"]?.stringValue.flatMap(ParticipantID.init), let list = entry["fingerprints"]?.arrayValue, list.count <= 64 else {
                throw .malformed("each participant is {id, fingerprints: [at most 64]}")
            }
            for value in list {
                guard let fingerprint = value.stringValue.flatMap(Fingerprint.init) else { throw .malformed("invalid fingerprint for \(id)") }
                add(id, fingerprint)
            }
            // Keys are taken only where they are the ones a listed fingerprint names.
            let listed = entry["keys"].map { $0.arrayValue } ?? []
            guard let listed, listed.count <= 64 else { throw .malformed("keys of \(id) are a list of at most 64") }
            for value in listed {
                let known = try PublicKeys(json: value)
                guard fingerprints[id]?.contains(known.fingerprint) == true else {
                    throw .malformed("keys listed for \(id) have fingerprint \(known.fingerprint), which the directory does not list for it")
                }
                if !(keys[id]?.contains(known) ?? false) { keys[id, default: []].append(known) }
            }
        }
    }
}
