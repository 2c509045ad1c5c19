import EntenteProtocol
import Federation
import Foundation
import Logging
import Storage
import TransparencyLog

/// This node's transparency log, and its part as a witness of its peers' logs.
///
/// Entries are appended by the store with their documents. Here they are integrated in batches into
/// tiles and a signed checkpoint, and each new checkpoint is sent to every pinned peer, each a witness
/// (C2SP tlog-witness), for its cosignature. As a witness, the node cosigns a peer's checkpoint only if it
/// extends the last one it cosigned for that peer, and keeps any fork as a proof of equivocation.
public struct TransparencyLogService: Sendable {
    public let identity: LocalIdentity
    let store: NodeStore
    let peers: PeerDirectory
    let client: PeerClient
    let outbox: OutboxWorker
    let logger: Logger
    /// How many witnesses must cosign this node's checkpoints for them to count; nil for a majority of its peers.
    let witnessQuorum: Int?
    /// The longest a witness that keeps failing is left before the next attempt; the wait doubles from
    /// half a second with each failure, so a peer that was starting or not yet pinned is soon asked again.
    let witnessRetry: TimeInterval
    /// One integration at a time: batches follow each other.
    private let integration = AsyncLock()

    public init(
        identity: LocalIdentity,
        store: NodeStore,
        peers: PeerDirectory,
        client: PeerClient,
        outbox: OutboxWorker,
        logger: Logger,
        witnessQuorum: Int? = nil,
        witnessRetry: TimeInterval = 60
    ) {
        self.identity = identity
        self.store = store
        self.peers = peers
        self.client = client
        self.outbox = outbox
        self.logger = logger
        self.witnessQuorum = witnessQuorum
        self.witnessRetry = witnessRetry
    }

    public static func origin(of participant: ParticipantID) -> String { LogNames.origin(of: participant.rawValue) }
    public static func witnessName(of participant: ParticipantID) -> String { LogNames.witness(of: participant.rawValue) }
    public static func participant(ofOrigin origin: String) -> ParticipantID? { LogNames.participant(ofOrigin: origin).flatMap(ParticipantID.init) }

    /// A node signs its checkpoints with its signing key: the key its peers pinned, so trust in a log
    /// comes from the verifier's own pins.
    public static func logKey(of descriptor: NodeDescriptor) -> NoteVerifier {
        // A participant id is a valid key name (no spaces, no "+"), so this cannot fail.
        try! NoteVerifier(name: origin(of: descriptor.id), key: descriptor.keys.signing)
    }

    /// The same key cosigns, under the cosignature's own algorithm byte and message prefix.
    public static func witnessKey(of descriptor: NodeDescriptor) -> CosignerKey {
        try! CosignerKey(name: witnessName(of: descriptor.id), key: descriptor.keys.signing)
    }

    var signer: NoteSigner { try! NoteSigner(name: Self.origin(of: identity.id), key: identity.keys.signing) }
    var cosigner: Cosigner { try! Cosigner(name: Self.witnessName(of: identity.id), key: identity.keys.signing) }

    /// The policy this node checks `participant`'s checkpoints by, from its own pins alone: that log's
    /// pinned key, every other participant it knows (itself included) as a witness, and a quorum of
    /// `quorum` of them (for its own log, `serve --witness-quorum`; by default a majority, so that two quorums
    /// always share a witness and a log cannot show two histories each with a quorum). Nil for a participant
    /// this node has not pinned.
    public func policy(for participant: ParticipantID, quorum: Int? = nil) async -> WitnessPolicy? {
        var known = [identity.id: identity.descriptor]
        for peer in await peers.all() { known[peer.record.id] = peer.descriptor }
        guard let log = known.removeValue(forKey: participant) else { return nil }
        let witnesses = known.values.sorted { $0.id < $1.id }.map {
            WitnessPolicy.Witness(name: $0.id.rawValue, key: Self.witnessKey(of: $0), url: $0.endpoint)
        }
        let own = participant == identity.id ? witnessQuorum : nil
        return .threshold(quorum ?? own ?? (witnesses.count / 2 + 1), of: witnesses, log: Self.logKey(of: log))
    }

    // MARK: The log

    /// Appends, once, the documents held from before the log, and this node's descriptor and key rotation
    /// when their version is new (a descriptor is signed afresh at every start, so its version, not its
    /// bytes, says whether it is new). The node calls it as it opens, before it writes anything new.
    public func prepare(now: Date) async throws {
        try await store.appendHeldDocumentsToLog()
        var entries = [LogEntry(kind: .descriptor, document: Array(try identity.signedDescriptor().canonicalBytes))]
        if let rotation = identity.rotation { entries.append(LogEntry(kind: .keyRotation, document: Array(rotation.json.canonicalBytes))) }
        try await store.appendOwnDescriptorToLog(entries, sequence: identity.descriptorSequence, now: now)
    }

    /// Integrates what is pending, a batch at a time, and returns the newest checkpoint signed, if any.
    @discardableResult
    public func integrate(now: Date) async throws -> SignedCheckpoint? {
        try await integration.withLock {
            var newest: SignedCheckpoint?
            while let checkpoint = try await store.integrateLog(signer: signer, now: now) {
                newest = checkpoint
                guard try await store.pendingLogEntries() > 0 else { break }
            }
            return newest
        }
    }

    /// Sends the latest checkpoint to every pinned peer that has not cosigned it (a peer that failed waits
    /// its turn: `witnessRetry`), all at once.
    public func gatherCosignatures(now: Date) async throws {
        guard let latest = try await store.latestCheckpoint(), latest.checkpoint.size > 0 else { return }
        let known = Dictionary(uniqueKeysWithValues: try await store.cosigners().map { ($0.witness, $0) })
        let due = await peers.all().filter { peer in
            guard let status = known[peer.record.id.rawValue] else { return true }
            if status.size >= latest.checkpoint.size && status.lastError == nil { return false }
            guard status.lastError != nil, let attempted = status.attemptedAt else { return true }
            return now.timeIntervalSince(attempted) >= min(witnessRetry, 0.5 * pow(2, Double(min(status.failures, 16) - 1)))
        }
        await withTaskGroup(of: Void.self) { group in
            for peer in due {
                group.addTask {
                    await self.requestCosignature(of: latest, from: peer, knownSize: known[peer.record.id.rawValue]?.size ?? 0, now: now)
                }
            }
        }
    }

    /// One witness: `add-checkpoint` from the size it last cosigned; once more from the size it names if
    /// that was not the one it holds (409).
    func requestCosignature(of checkpoint: SignedCheckpoint, from peer: PeerDirectory.Peer, knownSize: Int, now: Date) async {
        let witness = peer.record.id.rawValue
        let size = checkpoint.checkpoint.size
        var oldSize = knownSize
        let unsigned = checkpoint.withoutCosignatures
        do {
            for _ in 0..<2 {
                guard oldSize <= size else {
                    try await store.recordCosigningFailure(
                        "it has cosigned \(oldSize) entries of this log, more than the \(size) it holds",
                        witness: witness,
                        size: oldSize,
                        now: now
                    )
                    return
                }
                let proof = oldSize == 0 ? [] : try await store.logConsistencyProof(from: oldSize, to: size)
                let request = AddCheckpointRequest(oldSize: oldSize, proof: proof, checkpoint: unsigned)
                let answer = try await client.exchange(
                    url: PeerClient.join(peer.record.endpoint, "/tlog/witness/add-checkpoint"),
                    method: .POST,
                    body: request.body,
                    limit: 64 * 1024
                )
                let text = String(decoding: answer.body, as: UTF8.self)
                switch answer.status {
                case 200:
                    let key = Self.witnessKey(of: peer.descriptor)
                    let lines = try SignedNote.Signature.parseLines(text).filter { $0.name == key.name && $0.keyID == key.keyID }
                    guard let line = lines.first, !(try unsigned.adding([line]).cosignatures(by: [key]).isEmpty) else {
                        try await store.recordCosigningFailure("its answer holds no cosignature by its key", witness: witness, size: nil, now: now)
                        return
                    }
                    // When it arrived, not when the round began: the time to quorum is read from these.
                    try await store.recordCosignature(line, by: witness, size: size, now: Date())
                    return
                case 409 where answer.contentType?.hasPrefix("text/x.tlog.size") == true:
                    guard let latest = Int(text.trimmingCharacters(in: .newlines)), latest >= 0, latest != oldSize else {
                        try await store.recordCosigningFailure("409 with no usable size: \(text.prefix(100))", witness: witness, size: nil, now: now)
                        return
                    }
                    oldSize = latest
                default:
                    try await store.recordCosigningFailure("\(answer.status): \(text.prefix(300))", witness: witness, size: nil, now: now)
                    return
                }
            }
            try await store.recordCosigningFailure("it named the size it holds twice", witness: witness, size: oldSize, now: now)
        } catch {
            logger.notice("witness did not cosign", metadata: ["witness": "\(witness)", "error": "\(error)"])
            try? await store.recordCosigningFailure("\(error)", witness: witness, size: nil, now: now)
        }
    }

    // MARK: Witnessing peers

    /// `add-checkpoint` as a witness: known origins are pinned peers' logs, verified with their pinned keys.
    public func addCheckpoint(_ body: String, now: Date) async throws -> Result<SignedNote.Signature, WitnessRefusal> {
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(parsing: body) } catch { return .failure(error) }
        let origin = request.checkpoint.checkpoint.origin
        var pinned: PeerDirectory.Peer?
        if let participant = Self.participant(ofOrigin: origin), participant != identity.id { pinned = await peers.peer(participant) }
        // Authenticated before anything is spent on it: no transaction for a log this node does not pin, nor for
        // a checkpoint its key did not sign.
        guard let log = pinned.map({ Self.logKey(of: $0.descriptor) }) else { return .failure(.unknownLog(origin)) }
        do { try request.checkpoint.verify(log: log) } catch { return .failure(.notSignedByLog(error.description)) }
        let cosigner = self.cosigner
        let outcome = try await store.witness(
            request,
            decide: { latest, sameSize throws(WitnessRefusal) in
                try Witness.add(request, log: log, latest: latest, sameSize: sameSize, cosigner: cosigner, now: now)
            },
            now: now
        )
        switch outcome {
        case .failure(.forked(let proof)):
            try await raiseEquivocation(proof, source: "witness", now: now)
        case .failure(.inconsistent):
            // A checkpoint signed by the log that does not extend the one cosigned here: the log's own tiles
            // show whether it forked, after the answer.
            if let pinned, let latest = try await store.latestWitnessedCheckpoint(origin: origin) {
                Task { try? await proveFork(cosigned: latest, shown: request.checkpoint, peer: pinned, now: now) }
            }
        default:
            break
        }
        return outcome
    }

    // MARK: Equivocation

    /// Keeps a proof of equivocation this node found and sends it to every peer, with an alert, once.
    public func raiseEquivocation(_ proof: EquivocationProof, source: String, now: Date) async throws {
        guard try await !store.holdsEquivocation(proof) else { return }
        let gossip = try await EquivocationIntake.gossip(proof, identity: identity, peers: peers, except: [], now: now)
        if try await store.recordEquivocation(proof, source: source, gossip: gossip, now: now) {
            logger.error("proof of equivocation", metadata: ["log": "\(proof.origin)", "proof": "\(proof.summary)"])
            await outbox.wake()
        }
    }

    /// `cosigned` (a checkpoint this node saw of the log) and `shown` (a larger one, signed by the same log)
    /// disagree: the larger tree's own tiles give the consistency path that proves it, or the log serves
    /// tiles that do not hash to its own checkpoint, which is an alert of its own.
    func proveFork(cosigned: SignedCheckpoint, shown: SignedCheckpoint, peer: PeerDirectory.Peer, now: Date) async throws {
        let origin = shown.checkpoint.origin
        let (older, newer) = cosigned.checkpoint.size <= shown.checkpoint.size ? (cosigned, shown) : (shown, cosigned)
        let m = older.checkpoint.size
        let tree = TiledTree(size: newer.checkpoint.size)
        let wholeSubtree = m > 0 && m & (m - 1) == 0
        let ranges = Merkle.consistencyRanges(from: m, to: tree.size) + (wholeSubtree ? [0..<m] : [])
        var tiles: [Tile: [MerkleHash]] = [:]
        for tile in tree.tiles(for: ranges) {
            let bytes = try await fetch(peer, "/tlog/" + tile.path, limit: Tile.fullWidth * Merkle.hashSize)
            guard bytes.count == tile.width * Merkle.hashSize else { continue }
            tiles[tile] = stride(from: 0, to: bytes.count, by: Merkle.hashSize).map { Array(bytes[$0..<$0 + Merkle.hashSize]) }
        }
        let path = try? (wholeSubtree ? [tree.hash(of: 0..<m, in: tiles)] : []) + tree.consistencyProof(from: m, in: tiles)
        let proof = EquivocationProof(first: older, second: newer, path: path ?? [])
        if (try? proof.verify(log: Self.logKey(of: peer.descriptor))) != nil {
            return try await raiseEquivocation(proof, source: "monitor", now: now)
        }
        try await store.raiseLogAlert(
            origin: origin,
            kind: .inconsistent,
            detail: "its checkpoints of \(m) and \(tree.size) entries disagree and its tiles do not show how",
            now: now
        )
    }

    func fetch(_ peer: PeerDirectory.Peer, _ path: String, limit: Int) async throws -> [UInt8] {
        let answer = try await client.exchange(url: PeerClient.join(peer.record.endpoint, path), limit: limit)
        guard answer.status == 200 else { throw PeerClient.Failure.rejected(status: answer.status, code: "http_\(answer.status)", message: path) }
        return answer.body
    }

    // MARK: Offline proofs

    /// The tlog-proof of `entry` in this node's log, under the checkpoint most witnesses cosigned, with what this
    /// node's own policy makes of that checkpoint; nil while the entry is not integrated.
    public func proof(of entry: LogEntry) async throws -> (proof: LogProof, verdict: PolicyVerdict?)? {
        guard let index = try await store.logIndex(of: entry), let checkpoint = try await store.checkpointForProof(of: index) else { return nil }
        let proof = LogProof(index: index, proof: try await store.logInclusionProof(index, size: checkpoint.checkpoint.size), checkpoint: checkpoint)
        return (proof, await policy(for: identity.id).flatMap { try? $0.verify(checkpoint) })
    }

    // MARK: Status and audit

    public func status(now: Date) async throws -> LogStatus {
        let latest = try await store.latestCheckpoint()
        let size = latest?.checkpoint.size ?? 0
        let policy = await policy(for: identity.id)!
        let stamp = { (date: Date?) in date.map(Timestamp.format) }
        let witnessed = try await store.witnessedCheckpoints()
        let monitored = try await store.monitoredLogs()
        let origins = Set(witnessed.map(\.checkpoint.checkpoint.origin) + monitored.map(\.origin)).sorted()
        return LogStatus(
            origin: signer.verifier.name,
            logKey: signer.verifier.description,
            witnessKey: cosigner.key.description,
            size: size,
            pending: Int(try await store.pendingLogEntries()),
            checkpoint: latest?.serialized,
            policy: policy.text,
            quorumMet: latest.map { (try? policy.verify($0).quorumMet) == true } ?? false,
            witnesses: try await store.cosigners().map {
                LogStatus.Witness(
                    witness: $0.witness,
                    cosignedSize: $0.size,
                    cosignedLatest: $0.size == size && $0.lastError == nil,
                    cosignedAt: stamp($0.cosignedAt),
                    attemptedAt: stamp($0.attemptedAt),
                    lastError: $0.lastError
                )
            },
            peerLogs: origins.map { origin in
                let cosigned = witnessed.first { $0.checkpoint.checkpoint.origin == origin }
                let read = monitored.first { $0.origin == origin }
                return LogStatus.PeerLog(
                    origin: origin,
                    witnessedSize: cosigned?.checkpoint.checkpoint.size,
                    witnessedAt: stamp(cosigned?.cosignedAt),
                    monitoredSize: read?.range.size,
                    checkedAt: stamp(read?.checkedAt)
                )
            },
            alerts: try await store.logAlerts().map {
                LogStatus.Alert(
                    origin: $0.origin,
                    kind: $0.kind.rawValue,
                    detail: $0.detail,
                    raisedAt: Timestamp.format($0.raisedAt.date),
                    lastRaisedAt: Timestamp.format($0.lastRaisedAt.date),
                    count: Int($0.count)
                )
            },
            equivocations: try await store.equivocations().map {
                LogStatus.Equivocation(id: $0.id, origin: $0.origin, detectedAt: Timestamp.format($0.detectedAt), source: $0.source, proof: $0.proof)
            }
        )
    }

    /// Re-derives the log from what is stored and checks it against the latest checkpoint and this node's key.
    public func audit() async throws -> LogAuditReport {
        let audit = try await store.auditLog()
        let latest = try await store.latestCheckpoint()
        let signed = latest.map { (try? $0.verify(log: signer.verifier)) != nil } ?? false
        let matches = signed && latest?.checkpoint.size == audit.size && latest?.checkpoint.root == audit.root
        return LogAuditReport(
            origin: signer.verifier.name,
            size: audit.size,
            root: Data(audit.root).base64EncodedString(),
            checkpointMatches: matches,
            checkpointsContradicted: audit.checkpointsContradicted,
            tilesAgree: audit.tilesAgree,
            documents: audit.documents,
            missing: audit.missing,
            notRederived: audit.notRederived,
            consistent: matches && audit.checkpointsContradicted.isEmpty && audit.tilesAgree && audit.missing.isEmpty
        )
    }
}
