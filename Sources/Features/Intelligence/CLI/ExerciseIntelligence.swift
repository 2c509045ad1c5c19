import EntenteProtocol
import Foundation
import Intelligence
import Node
import Storage

/// The demo's threat intelligence: Estonia's CERT publishes the exercise case's indicators and
/// an event from its MISP in a TAXII collection; Latvia's node subscribes to it as any TAXII
/// client would, pulls, reports having seen one of the indicators, and the sighting goes back
/// to Estonia at the next pull.
struct ExerciseIntelligence {
    let servers: [NodeServer]
    let caseID: String
    let urls: [String: String]

    func server(_ id: String) -> NodeServer { servers.first { $0.identity.id.rawValue == id }! }

    static let commandServer = "indicator--0d6e1f3a-5b7c-4e9d-8f21-3a4b5c6d7e8f"

    /// Plays once per demo data directory; returns Estonia's and Latvia's collection ids.
    func play() async throws -> (estonia: String, latvia: String) {
        let estonia = server("EST")
        let latvia = server("LVA")
        if let published = try await estonia.intelligence.store.collections().first,
            let pulled = try await latvia.intelligence.store.collections().first
        {
            return (published.id, pulled.id)
        }
        let published = try await estonia.intelligence.createCollection(
            title: "EXERCISE: ransomware at two banks",
            description: "Indicators from the exercise case and CERT-EE's MISP event, for the Baltic CERTs.",
            defaultTLP: .amber
        )
        let caseObjects = CaseIntelligence.bundle(of: try await estonia.cases.state(caseID), producedBy: estonia.identity.id)
        _ = try await estonia.intelligence.add(caseObjects.map { ($0, nil) }, to: published, by: .nodeOperator)
        _ = try await estonia.intelligence.importMISP(Self.mispEvent, into: published, by: .nodeOperator)
        let token = try await estonia.intelligence.saveAccount(name: "cert-lv", relation: .partner, read: [published.id], write: [published.id])

        let pulled = try await latvia.intelligence.createCollection(
            title: "From CERT-EE (exercise)",
            description: "Pulled from Estonia's node every minute.",
            defaultTLP: .amber
        )
        _ = try await latvia.subscriptions.subscribe(
            url: urls["EST"]! + published.path,
            account: "cert-lv",
            token: token,
            collection: pulled.id
        )
        try await latvia.subscriptions.pullAll()
        _ = try await latvia.intelligence.reportSighting(
            .init(
                sightingOf: Self.commandServer,
                count: 12,
                firstSeen: Date().addingTimeInterval(-5400),
                lastSeen: Date().addingTimeInterval(-600),
                note: "EXERCISE: beaconing from two government networks to this address.",
                tlp: .amber
            ),
            in: pulled,
            by: .nodeOperator
        )
        try await latvia.subscriptions.pullAll()
        return (published.id, pulled.id)
    }

    /// An event as CERT-EE's MISP would export it.
    static let mispEvent: JSONValue = [
        "Event": [
            "uuid": "7c1e5a2b-3d4f-4a6b-9c8d-0e1f2a3b4c5d", "info": "EXERCISE: LockBit-style ransomware against Baltic banks", "date": "2026-11-22",
            "timestamp": "1795339200", "publish_timestamp": "1795339800", "published": true, "threat_level_id": "1", "analysis": "1",
            "Orgc": ["name": "CERT-EE", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"],
            "Tag": [["name": "tlp:amber"], ["name": "PAP:GREEN"]],
            "Attribute": [
                [
                    "uuid": "0d6e1f3a-5b7c-4e9d-8f21-3a4b5c6d7e8f", "type": "ip-dst", "category": "Network activity", "value": "203.0.113.66",
                    "to_ids": true,
                    "timestamp": "1795339200", "comment": "Command-and-control server",
                ],
                [
                    "uuid": "1e7f2a4b-6c8d-4f0e-9a32-4b5c6d7e8f90", "type": "domain", "category": "Network activity", "value": "update-check.example",
                    "to_ids": true,
                    "timestamp": "1795339200",
                ],
                [
                    "uuid": "2f8a3b5c-7d9e-4a1f-8b43-5c6d7e8f9a01", "type": "sha256", "category": "Payload delivery",
                    "value": "0f343b0931126a20f133d67c2b018a3b5e1a5e4fa2c9cfd1a94bb6e6dc7c5c8d", "to_ids": true, "timestamp": "1795339200",
                    "comment": "Encryptor",
                ],
                [
                    "uuid": "3a9b4c6d-8e0f-4b2a-9c54-6d7e8f9a0b12", "type": "yara", "category": "Payload installation",
                    "value": "rule exercise_locker { strings: $note = \"RESTORE-FILES.txt\" condition: $note }", "to_ids": true,
                    "timestamp": "1795339200",
                ],
                [
                    "uuid": "4b0c5d7e-9f1a-4c3b-8d65-7e8f9a0b1c23", "type": "email-src", "category": "Payload delivery",
                    "value": "invoice@billing-notice.example",
                    "to_ids": false, "timestamp": "1795339200", "comment": "Sender of the initial phishing mail",
                ],
            ],
        ]
    ]
}
