import Hummingbird
import Storage

/// Detection: a CERT's network logs scanned for partners' indicators, beacons and generated domain names; the
/// findings listed with their reasons, turned into sightings and case evidence.
struct DetectionFeature: NodeFeature {
    let api: DetectionAPIRoutes
    let web: DetectionWebRoutes

    static let schema: Schema? = .detection

    init(_ context: FeatureContext) {
        let detection = DetectionService(store: context.store, intelligence: context.intelligence, cases: context.cases)
        api = DetectionAPIRoutes(detection: detection)
        web = DetectionWebRoutes(detection: detection, site: context.site)
    }

    static let navigation = [NavigationEntry(title: "Detection", path: "/detection")]

    func addRoutes(to api: APIGroups) { self.api.register(on: api.any) }
    func addPages(to web: RouterGroup<NodeRequestContext>) { self.web.register(on: web) }
}
