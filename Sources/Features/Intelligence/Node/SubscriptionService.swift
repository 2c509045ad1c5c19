import AsyncHTTPClient
import EntenteProtocol
import Foundation
import Intelligence
import NIOCore
import NIOHTTP1
import Storage

/// Pulls peers' TAXII collections into local ones, as any TAXII client would: incrementally
/// by `added_after`, a page at a time, the cursor stored after each page so a pull that
/// fails resumes where it stopped. What arrives has the peer as its source, so TLP keeps it
/// from being passed on as this node's own. Sightings written here of what a subscription
/// brought go back to that peer's collection, when TLP lets them leave.
public struct SubscriptionService: Sendable {
    public let intelligence: IntelligenceService
    let http: HTTPClient
    static let pageSize = 1000
    static let maximumPages = 1000
    static let maximumPageBytes = 64 << 20

    var store: NodeStore { intelligence.store }

    public func subscribe(url: String, account: String, token: String, collection: String, now: Date = Date()) async throws -> TAXIISubscription {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil, url.hasSuffix("/") else {
            throw ServiceFailure.invalid("the peer collection's URL must be http(s)://…/collections/{id}/")
        }
        guard try await store.collection(collection) != nil else { throw ServiceFailure.invalid("no local collection \(collection)") }
        guard !account.isEmpty, !token.isEmpty, account.utf8.count <= 200, token.utf8.count <= 500 else {
            throw ServiceFailure.invalid("an account and its token are required")
        }
        let subscription = TAXIISubscription(
            id: UUID().uuidString.lowercased(),
            url: url,
            account: account,
            token: token,
            collection: collection,
            cursor: nil,
            fetched: 0,
            lastRun: nil,
            lastError: nil
        )
        try await store.createSubscription(subscription, now: now)
        return subscription
    }

    public struct Exchange: Sendable, Equatable {
        /// Objects pulled and stored here.
        public var stored = 0
        /// Sightings the peers accepted.
        public var sightingsReturned = 0
    }

    /// Returns this node's sightings to, then pulls from, every subscription once.
    @discardableResult
    public func pullAll(now: Date = Date()) async throws -> Exchange {
        var total = Exchange()
        for subscription in try await store.subscriptions() {
            total.sightingsReturned += try await returnSightings(subscription, now: now)
            total.stored += try await pull(subscription, now: now)
        }
        return total
    }

    /// Sends the peer, as a TAXII client adding objects to its collection, the sightings written
    /// here of objects this subscription brought, a page at a time. The cursor moves only once the
    /// peer has answered, so a peer that is down gets them on a later run; objects the peer
    /// refuses are not retried (they would be refused again), and its reasons are recorded.
    public func returnSightings(_ subscription: TAXIISubscription, now: Date = Date()) async throws -> Int {
        var cursor = subscription.sightingsCursor
        var returned = 0
        do {
            while true {
                let candidates = try await store.sightingsFromHere(in: subscription.collection, after: cursor, limit: Self.pageSize)
                guard let last = candidates.last else { break }
                let documents = candidates.map { (tlp: $0.tlp, json: try? JSONValue(parsing: Array($0.document.utf8))) }
                let sightedHere = Set(documents.compactMap { $0.json?["sighting_of_ref"]?.stringValue })
                let fromPeer = try await store.objects(sightedHere, in: subscription.collection, from: subscription.id)
                let returning = documents.compactMap { document in
                    Sightings.mayReturn(document.tlp) && document.json?["sighting_of_ref"]?.stringValue.map(fromPeer.contains) == true
                        ? document.json : nil
                }
                var accepted = 0
                var refused: [String] = []
                if !returning.isEmpty {
                    var query = STIXQuery(collection: subscription.collection, reader: Sightings.producer, limit: Self.pageSize)
                    query.ids = Array(Set(returning.flatMap(Sightings.identities)))
                    let identities =
                        query.ids.isEmpty
                        ? [] : try await store.stixObjects(query).objects.compactMap { try? JSONValue(parsing: Array($0.document.utf8)) }
                    refused = try await send(identities + returning, to: subscription)
                    accepted = returning.count - refused.filter { $0.hasPrefix("sighting--") }.count
                }
                cursor = last.dateAdded
                returned += accepted
                try await store.recordSightingsReturned(
                    subscription.id,
                    cursor: cursor,
                    returned: accepted,
                    error: refused.isEmpty ? nil : "the peer refused: " + refused.joined(separator: "; ")
                )
                if candidates.count < Self.pageSize { break }
            }
        } catch {
            try await store.recordSightingsReturned(subscription.id, cursor: nil, returned: 0, error: "\(error)")
        }
        return returned
    }

    /// Adds objects to the peer's collection; returns the peer's reasons for those it refused.
    func send(_ objects: [JSONValue], to subscription: TAXIISubscription) async throws -> [String] {
        var request = HTTPClientRequest(url: subscription.url + "objects/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: TAXIIRoutes.taxiiMediaType)
        request.body = .bytes(ByteBuffer(string: JSONValue.object(["objects": .array(objects)]).canonicalString))
        let (status, _) = try await exchange(request, with: subscription, expecting: [.accepted, .ok])
        return (status["failures"]?.arrayValue ?? []).map { "\($0["id"]?.stringValue ?? "?"): \($0["message"]?.stringValue ?? "refused")" }
    }

    /// Sends a TAXII request with the subscription's credentials; the answer's JSON and headers, or what the peer said instead.
    func exchange(
        _ request: HTTPClientRequest,
        with subscription: TAXIISubscription,
        expecting statuses: Set<HTTPResponseStatus>
    ) async throws -> (JSONValue, HTTPHeaders) {
        var request = request
        request.headers.add(name: "Accept", value: TAXIIRoutes.taxiiMediaType)
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(subscription.account):\(subscription.token)".utf8).base64EncodedString())
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: Self.maximumPageBytes)
        guard statuses.contains(response.status) else {
            throw ServiceFailure.invalid("the peer answered \(response.status.code): \(String(buffer: body).prefix(200))")
        }
        return (try JSONValue(parsing: body.readableBytesView), response.headers)
    }

    /// Pulls one subscription until the peer has nothing newer; failures are recorded, not thrown.
    public func pull(_ subscription: TAXIISubscription, now: Date = Date()) async throws -> Int {
        guard let collection = try await store.collection(subscription.collection) else { return 0 }
        let source = IntelligenceService.Principal(
            name: "subscription:" + subscription.account,
            relation: .partner,
            grants: [:],
            isOperator: false,
            subscription: subscription.id
        )
        var cursor = subscription.cursor
        var next: String?
        var stored = 0
        do {
            for _ in 0..<Self.maximumPages {
                let page = try await fetch(subscription, addedAfter: cursor, next: next)
                if !page.objects.isEmpty {
                    let result = try await intelligence.add(page.objects, to: collection, by: source, now: now)
                    stored += result.successes.count
                }
                cursor = page.lastAdded ?? cursor
                try await store.recordPull(subscription.id, cursor: cursor, fetched: page.objects.count, error: nil, now: now)
                guard page.more, let token = page.next else { break }
                next = token
            }
        } catch {
            try await store.recordPull(subscription.id, cursor: nil, fetched: 0, error: "\(error)", now: now)
        }
        return stored
    }

    struct Page {
        var objects: [(json: JSONValue, source: String?)]
        var more: Bool
        var next: String?
        var lastAdded: String?
    }

    func fetch(_ subscription: TAXIISubscription, addedAfter: String?, next: String?) async throws -> Page {
        var components = URLComponents(string: subscription.url + "objects/")!
        var query = [URLQueryItem(name: "limit", value: String(Self.pageSize))]
        if let next {
            query.append(URLQueryItem(name: "next", value: next))
        } else if let addedAfter {
            query.append(URLQueryItem(name: "added_after", value: addedAfter))
        }
        components.queryItems = query
        let (envelope, headers) = try await exchange(HTTPClientRequest(url: components.string!), with: subscription, expecting: [.ok])
        let objects = (envelope["objects"]?.arrayValue ?? []).map { ($0, String?.none) }
        return Page(
            objects: objects,
            more: envelope["more"]?.boolValue ?? false,
            next: envelope["next"]?.stringValue,
            lastAdded: headers.first(name: "X-TAXII-Date-Added-Last")
        )
    }
}
