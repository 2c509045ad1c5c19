import WebInterface

/// The transparency log in words: this node's record and who countersigned it, the peers' records it
/// checks, and what it caught.
struct TransparencyLogPage: Page {
    static let template = "log"

    struct Witness: PageModel {
        let participant: String
        let state: String
        let behind: Bool
        let lastError: String?
    }

    struct PeerLog: PageModel {
        let participant: String
        let witnessed: String
        let checked: String
        let checkedAt: String
    }

    struct Alert: PageModel {
        let participant: String
        let what: String
        let detail: String
        let count: Int
        let since: String
    }

    struct Proof: PageModel {
        let participant: String
        let detectedAt: String
        let source: String
        let proof: String
    }

    let size: Int
    /// Entries being added, when there are any.
    let pending: Int?
    let quorum: String
    let quorumMet: Bool
    let checkpoint: String?
    let witnesses: [Witness]
    let peerLogs: [PeerLog]
    let alerts: [Alert]
    let proofs: [Proof]
    /// Templates read stored properties only: whether the lists above hold anything.
    let hasAlerts: Bool
    let hasProofs: Bool
    let logKey: String
    let witnessKey: String
    let policy: String
}
