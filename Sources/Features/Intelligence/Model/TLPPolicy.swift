import EntenteProtocol

/// The STIX marking definitions of TLP 2.0 (FIRST, 2022), and those of TLP 1.0 that
/// STIX 2.1 predefines (TLP:WHITE read as TLP:CLEAR).
public enum TLPMarking {
    public static let definitions: [TLP: String] = [
        .clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        .green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        .amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        .amberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        .red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    ]
    static let version1: [String: TLP] = [
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": .clear,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": .green,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": .amber,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": .red,
    ]
    static let byID: [String: TLP] = Dictionary(uniqueKeysWithValues: definitions.map { ($0.value, $0.key) }).merging(version1) { $1 }

    /// The most restrictive TLP among `refs`, or nil if none is a TLP marking.
    public static func strictest(_ refs: [String]) -> TLP? {
        refs.compactMap { byID[$0] }.max { TLPPolicy.rank($0) < TLPPolicy.rank($1) }
    }
}

/// Who is reading: a person or system authenticated by this node.
public struct Reader: Sendable, Equatable {
    public enum Relation: String, Sendable, Codable, CaseIterable {
        /// A member of this node's own organisation.
        case member
        /// A client of this organisation (TLP:AMBER may reach clients, TLP:AMBER+STRICT may not).
        case client
        /// Another organisation: another participant's node or a partner's platform.
        case partner
    }

    public var name: String
    public var relation: Relation

    public init(name: String, relation: Relation) {
        self.name = name
        self.relation = relation
    }
}

/// TLP 2.0, enforced in one place. Every query, page, sync and export asks this type
/// which objects a reader may receive; storage turns the same answer into its filter.
///
/// - TLP:CLEAR, TLP:GREEN: anyone allowed to read the collection (GREEN stays in the community of readers).
/// - TLP:AMBER: the organisation's members and clients; another organisation only when this node is the
///   source (the source chooses its recipients; a recipient does not pass AMBER on).
/// - TLP:AMBER+STRICT: the organisation's members; another organisation only when this node is the source.
/// - TLP:RED: only the recipients the object names, whoever the reader is.
/// - Unmarked objects take the collection's default marking.
public enum TLPPolicy {
    public struct Access: Sendable, Equatable {
        /// Markings this reader receives whatever their source.
        public var always: Set<TLP>
        /// Markings this reader receives only for objects whose source is this node.
        public var fromThisNodeOnly: Set<TLP>
        /// TLP:RED objects naming this recipient.
        public var redRecipient: String
    }

    public static func access(for reader: Reader) -> Access {
        switch reader.relation {
        case .member: Access(always: [.clear, .green, .amber, .amberStrict], fromThisNodeOnly: [], redRecipient: reader.name)
        case .client: Access(always: [.clear, .green, .amber], fromThisNodeOnly: [.amberStrict], redRecipient: reader.name)
        case .partner: Access(always: [.clear, .green], fromThisNodeOnly: [.amber, .amberStrict], redRecipient: reader.name)
        }
    }

    /// Whether `reader` may receive an object marked `tlp` (its collection's default if unmarked).
    public static func allows(_ tlp: TLP, recipients: [String], fromThisNode: Bool, reader: Reader) -> Bool {
        if tlp == .red { return recipients.contains(reader.name) }
        let access = access(for: reader)
        return access.always.contains(tlp) || (fromThisNode && access.fromThisNodeOnly.contains(tlp))
    }

    /// A name a TLP:RED object may address: an account or username of this node, or a participant id.
    /// The character set keeps names apart in storage, where a list of them is one column.
    public static func isRecipientName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 45 || byte == 46 || byte == 95
            }
    }

    /// From the least restricted, clear (0), to the most, red (4).
    public static func rank(_ tlp: TLP) -> Int {
        switch tlp {
        case .clear: 0
        case .green: 1
        case .amber: 2
        case .amberStrict: 3
        case .red: 4
        }
    }
}
