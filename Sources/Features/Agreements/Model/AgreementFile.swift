import EntenteProtocol

/// An agreement in force, as a file anyone can verify offline: the text as its proposer signed it, every
/// party's signed signature entry, and the keys each party signed with. RFC 8785 canonical JSON:
///
///     {"agreement":{…signed entry…},"parties":[{"keys":{…},"participant":"EST"},…],
///      "signatures":[{…signed entry…},…],"type":"entente.agreement/1"}
///
/// The keys inside the file only make it consistent: whoever verifies anchors each party's fingerprint
/// from its own pins (`entente verify --directory` or `--expect`), as for joint statements and results.
public struct AgreementFile: Sendable {
    public static let documentType = "entente.agreement/1"
    public static let maximumBytes = 4 << 20

    public let state: AgreementState
    public let keys: [ParticipantID: PublicKeys]
    /// The file: canonical JSON, the bytes its log entry hashes.
    public let fileBytes: [UInt8]

    public var agreement: AgreementText { state.agreement! }
    public var entry: RecordEntry { state.entry! }

    /// The file of an agreement in force, with the keys each party signed with.
    public init(_ state: AgreementState, keys: [ParticipantID: PublicKeys]) throws(DocumentError) {
        guard let entry = state.entry, state.isInForce else {
            throw .refused(
                "agreement \(state.id) is not in force: it awaits the signature of \(state.unsignedBy.map(\.rawValue).joined(separator: ", "))"
            )
        }
        var parties: [JSONValue] = []
        for party in state.parties {
            guard let partyKeys = keys[party] else { throw .refused("the keys of \(party) are not pinned on this node") }
            parties.append(["participant": .string(party.rawValue), "keys": partyKeys.json])
        }
        let document: JSONValue = [
            "type": .string(Self.documentType),
            "agreement": entry.document,
            "signatures": .array(state.signatures.sorted { $0.author < $1.author }.map(\.document)),
            "parties": .array(parties),
        ]
        // A party that rotated its keys since it signed: the file would not verify with the keys pinned now.
        do { try self.init(verifying: document.canonicalBytes) } catch { throw .refused("agreement \(state.id) cannot be exported: \(error)") }
    }

    /// Reads an exported agreement: every entry verifies with its author's key in the file, every party signed
    /// this exact text, and nothing was altered after export.
    public init(verifying bytes: some Collection<UInt8>) throws(DocumentError) {
        guard bytes.count <= Self.maximumBytes else { throw .invalid("an agreement file is at most 4 MiB") }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .invalid("not JSON: \(error.description)") }
        guard json.canonicalBytes.elementsEqual(bytes) else {
            throw .invalid("the file is not in RFC 8785 canonical form: it was altered after export")
        }
        guard json["type"]?.stringValue == Self.documentType, let signatureDocuments = json["signatures"]?.arrayValue,
            let partyList = json["parties"]?.arrayValue, let agreementDocument = json["agreement"]
        else {
            throw .invalid("not an agreement file (\(Self.documentType)): it needs agreement, signatures and parties")
        }
        var keys: [ParticipantID: PublicKeys] = [:]
        for party in partyList {
            guard let id = party["participant"]?.stringValue.flatMap(ParticipantID.init), let keyJSON = party["keys"] else {
                throw .invalid("each party is a participant and its keys")
            }
            guard keys[id] == nil else { throw .invalid("\(id) is listed twice") }
            do { keys[id] = try PublicKeys(json: keyJSON) } catch { throw .invalid("the keys of \(id) are malformed") }
        }
        let entry = try RecordEntry(document: agreementDocument)
        guard entry.kind == .agreement, case .agreement(let id) = entry.space else {
            throw .invalid("the file's agreement is not an agreement entry")
        }
        var entries = [entry]
        for document in signatureDocuments { entries.append(try RecordEntry(document: document)) }
        for signed in entries {
            guard let signerKeys = keys[signed.author] else { throw .invalid("\(signed.author) signed but its keys are not in the file") }
            do { try signed.verify(with: signerKeys.signing) } catch {
                throw .invalid("the entry of \(signed.author) does not verify with its keys: it was altered")
            }
        }
        let state = AgreementState(id: id, entries: entries)
        if let refusal = state.refusals.first { throw .invalid("entry \(refusal.entry.id) breaks the agreement's rules: \(refusal.reason)") }
        guard state.isInForce else {
            throw .invalid("not every party signed: \(state.unsignedBy.map(\.rawValue).joined(separator: ", ")) did not")
        }
        guard Set(keys.keys) == Set(state.parties) else { throw .invalid("the keys listed are not exactly the parties'") }
        self.state = state
        self.keys = keys
        self.fileBytes = Array(bytes)
    }
}
