import EntenteProtocol
import Foundation
import Intelligence
import SQLKit
import TestSupport
import Testing

@testable import Storage

@Suite("STIX storage: no query, filter or page leaks an object TLP forbids")
struct IntelligenceStoreTests {
    /// Random objects, readers and queries (seeded): every page of every query returns exactly the
    /// objects `TLPPolicy.allows` grants the reader, and that the filters select, with nothing repeated.
    @Test(arguments: Backend.available)
    func everyPageOfEveryQueryIsWhatThePolicyAllows(backend: Backend) async throws {
        try await withStore(backend) { store in
            var random = SeededGenerator(seed: 20_261_122)
            let collection = TAXIICollection(id: "c1", title: "t", description: "", defaultTLP: .amber)
            try await store.createCollection(collection, now: Date())
            // Names that differ only by a character LIKE treats as a wildcard, or by case, must not read each other's RED.
            let names = ["analyst", "soc_1", "socx1", "SOCX1", "lva", "LVA"]
            var held: [(object: STIXObject, fromHere: Bool, dateAdded: Int64)] = []
            for n in 0..<120 {
                let tlp: TLP? = [nil, .clear, .green, .amber, .amberStrict, .red].randomElement(using: &random)!
                var members: [String: JSONValue] = [
                    "type": .string(n % 3 == 0 ? "malware" : "indicator"), "spec_version": "2.1",
                    "id": .string((n % 3 == 0 ? "malware--" : "indicator--") + UUID().uuidString.lowercased()),
                    "created": "2026-11-22T10:00:00.000Z", "modified": .string("2026-11-22T10:00:0\(n % 10).000Z"), "name": "n",
                ]
                if n % 3 == 0 {
                    members["is_family"] = false
                } else {
                    members["pattern"] = "[ipv4-addr:value = '198.51.100.7']"
                    members["pattern_type"] = "stix"
                    members["valid_from"] = "2026-11-22T10:00:00Z"
                }
                if let tlp { members["object_marking_refs"] = [.string(TLPMarking.definitions[tlp]!)] }
                if tlp == .red { members["x_entente_recipients"] = .array(names.shuffled(using: &random).prefix(2).map(JSONValue.string)) }
                let object = try STIXValidation.validate(.object(members))
                let fromHere = Bool.random(using: &random)
                try await store.addSTIXObjects([object], to: collection, fromThisNode: fromHere, now: Date())
                held.append((object, fromHere, 0))
            }
            let added = Dictionary(
                uniqueKeysWithValues: try await store.database.sql.raw("SELECT id, date_added FROM stix_objects").all().map {
                    (try $0.decode(column: "id", as: String.self), try $0.decode(column: "date_added", as: Int64.self))
                }
            )
            held = held.map { ($0.object, $0.fromHere, added[$0.object.id]!) }
            for _ in 0..<40 {
                let reader = Reader(name: names.randomElement(using: &random)!, relation: Reader.Relation.allCases.randomElement(using: &random)!)
                var query = STIXQuery(collection: "c1", reader: reader, limit: Int.random(in: 1...25, using: &random))
                query.versions = ["all"]
                if Bool.random(using: &random) { query.types = ["malware"] }
                if Bool.random(using: &random) { query.addedAfter = held[Int.random(in: 0..<held.count, using: &random)].dateAdded }
                let expected = held.filter { item in
                    TLPPolicy.allows(item.object.tlp ?? .amber, recipients: item.object.recipients, fromThisNode: item.fromHere, reader: reader)
                        && (query.types.isEmpty || query.types.contains(item.object.type)) && item.dateAdded > (query.addedAfter ?? 0)
                }.map(\.object.id)
                var served: [String] = []
                var page = query
                while true {
                    let result = try await store.stixObjects(page)
                    served += result.objects.map(\.id)
                    guard result.more, let last = result.objects.last else { break }
                    page.addedAfter = last.dateAdded
                }
                #expect(served == expected, "\(reader) \(query.types) after \(query.addedAfter ?? 0)")
            }
        }
    }

    /// The sync path back to producers: the sightings offered are exactly those written here, every
    /// version, in the order added and from the cursor on; and only what a subscription brought counts as its.
    @Test(arguments: Backend.available)
    func sightingsFromHereAndWhatEachSubscriptionBrought(backend: Backend) async throws {
        try await withStore(backend) { store in
            var random = SeededGenerator(seed: 20_261_123)
            let collection = TAXIICollection(id: "c1", title: "t", description: "", defaultTLP: .amber)
            try await store.createCollection(collection, now: Date())
            var written: [(id: String, fromHere: Bool, source: String?)] = []
            for n in 0..<60 {
                let source: String? = [nil, "sub-a", "sub-b"].randomElement(using: &random)!
                let fromHere = source == nil && Bool.random(using: &random)
                let sighting = try STIXValidation.validate([
                    "type": "sighting", "spec_version": "2.1", "id": .string("sighting--" + UUID().uuidString.lowercased()),
                    "created": "2026-11-22T10:00:00.000Z", "modified": .string("2026-11-22T10:00:0\(n % 10).000Z"),
                    "sighting_of_ref": .string("indicator--" + UUID().uuidString.lowercased()),
                ])
                try await store.addSTIXObjects([sighting], to: collection, fromThisNode: fromHere, source: source, now: Date())
                written.append((sighting.id, fromHere, source))
            }
            var offered: [String] = []
            var cursor: Int64 = 0
            while true {
                let page = try await store.sightingsFromHere(in: "c1", after: cursor, limit: 7)
                guard let last = page.last else { break }
                offered += page.map(\.id)
                cursor = last.dateAdded
            }
            #expect(offered == written.filter(\.fromHere).map(\.id))
            let all = Set(written.map(\.id))
            #expect(try await store.objects(all, in: "c1", from: "sub-a") == Set(written.filter { $0.source == "sub-a" }.map(\.id)))
            #expect(try await store.objects(all, in: "c1", from: "sub-c").isEmpty)
        }
    }
}
