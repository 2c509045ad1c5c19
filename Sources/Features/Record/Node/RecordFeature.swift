import Federation
import Hummingbird
import Storage

/// The multilateral record every kind of record entry shares: `POST /api/v1/record` writes any entry.
/// Forums, agreements, norms, measures, capacity building and drills are features of their own on it.
struct RecordFeature: NodeFeature {
    let api: RecordAPIRoutes
    let envelopeIntakes: [any EnvelopeIntake]

    static let schema: Schema? = .record

    init(_ context: FeatureContext) {
        api = RecordAPIRoutes(records: context.records)
        envelopeIntakes = [RecordEntryIntake(identity: context.identity, peers: context.peers, store: context.store)]
    }

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
}
