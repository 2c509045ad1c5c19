import EntenteProtocol
import Foundation
import Hotline
import Multilateral
import Storage

/// Joint exercises: a scenario's injects go out through the hotline at their times,
/// marked as exercise, one message per recipient so each answer is timed on its own;
/// the after-action report is computed from what the hotline recorded.
public struct DrillService: Sendable {
    public let hotline: HotlineService
    var store: NodeStore { hotline.store }

    /// Drills send their injects through `hotline`, as any message.
    public init(hotline: HotlineService) { self.hotline = hotline }

    public struct Drill: Sendable {
        public var id: String
        public var scenario: DrillScenario
        public var startAt: Date
        public var createdBy: String?
        public var report: AfterActionReport
    }

    /// Schedules a drill to start `startIn` from now; every recipient must be a pinned peer.
    public func create(_ scenario: DrillScenario, startIn: Duration, createdBy: String?, now: Date = Date()) async throws -> String {
        do { try scenario.validate() } catch { throw ServiceFailure.invalid(error.description) }
        guard (0...(7 * 86_400)).contains(startIn.components.seconds) else { throw ServiceFailure.invalid("a drill starts within 7 days") }
        for participant in scenario.participants {
            guard participant != hotline.identity.id else { throw ServiceFailure.invalid("a drill's injects go to other participants") }
            guard await hotline.peers.peer(participant) != nil else { throw ServiceFailure.invalid("\(participant) is not a peer of this node") }
        }
        let id = UUIDv7.string(UUIDv7.generate(at: now))
        let document = String(decoding: try JSONEncoder().encode(scenario), as: UTF8.self)
        let startAt = now.addingTimeInterval(TimeInterval(startIn.components.seconds))
        try await store.createDrill(id: id, scenario: scenario, document: document, createdBy: createdBy, startAt: startAt, now: now)
        return id
    }

    /// Sends every inject due by `now`; returns how many messages went out.
    @discardableResult
    public func sendDueInjects(now: Date = Date()) async throws -> Int {
        var sent = 0
        var scenarios: [String: (name: String, scenario: DrillScenario)] = [:]
        for due in try await store.dueInjects(now: now) {
            if scenarios[due.drill] == nil, let stored = try await store.drill(due.drill) {
                scenarios[due.drill] = (stored.name, try Self.scenario(stored))
            }
            guard let (name, scenario) = scenarios[due.drill], scenario.injects.indices.contains(due.inject - 1) else { continue }
            let inject = scenario.injects[due.inject - 1]
            for recipient in due.recipients {
                // Sent and marked sent in one transaction: a crash between the two cannot send it twice.
                _ = try await hotline.send(
                    .init(
                        to: [recipient],
                        template: .freeText,
                        priority: inject.priority,
                        subject: inject.subject,
                        body: inject.body,
                        tlp: .green,
                        exercise: true
                    ),
                    composedBy: "drill “\(name)”, inject \(due.inject)",
                    role: nil,
                    inject: .init(drill: due.drill, inject: due.inject, recipient: recipient),
                    now: now
                )
                sent += 1
            }
        }
        return sent
    }

    public func drill(_ id: String) async throws -> Drill {
        guard let stored = try await store.drill(id) else { throw ServiceFailure.notFound("no drill \(id)") }
        let scenario = try Self.scenario(stored)
        let subjects = Dictionary(uniqueKeysWithValues: scenario.injects.enumerated().map { ($0.offset + 1, $0.element.subject) })
        let deliveries = try await store.drillDeliveries(id, subjects: subjects)
        return Drill(
            id: id,
            scenario: scenario,
            startAt: stored.startAt,
            createdBy: stored.createdBy,
            report: AfterActionReport(deliveries: deliveries)
        )
    }

    public func drills() async throws -> [Drill] {
        var drills: [Drill] = []
        for stored in try await store.drills() { drills.append(try await drill(stored.id)) }
        return drills
    }

    static func scenario(_ stored: NodeStore.StoredDrill) throws -> DrillScenario {
        try JSONDecoder().decode(DrillScenario.self, from: Data(stored.scenario.utf8))
    }
}
