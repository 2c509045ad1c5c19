import WebInterface

/// The collections this node serves over TAXII.
struct CollectionsPage: Page {
    static let template = "intelligence"

    struct Collection: PageModel {
        let id: String
        let title: String
        let description: String
        let tlpLabel: String
        let tlpClass: String
        let url: String
    }

    let collections: [Collection]
    let hasCollections: Bool
    /// Where TAXII clients find the API root.
    let taxii: String
}

/// A collection's objects, as the reader's TLP allows, a page at a time; and the MISP import.
struct CollectionPage: Page {
    static let template = "collection"

    struct Collection: PageModel {
        let id: String
        let title: String
        let description: String
    }

    struct Row: PageModel {
        let id: String
        let type: String
        let name: String
        let version: String
        let pap: String?
        let added: String
        let tlpLabel: String
        let tlpClass: String
        let collection: String
    }

    let collection: Collection
    let objects: [Row]
    let hasObjects: Bool
    /// The type the list is filtered by, or empty.
    let type: String
    /// The next page's address, when there is more.
    let next: String?
    /// A refused MISP import, as pasted.
    let typed: MISPForm?
    let error: String?
}

/// The MISP import form, as posted.
struct MISPForm: Decodable, PageModel {
    var event: String?
}

/// The sighting form, as posted.
struct SightingForm: Decodable, PageModel {
    var count: String?
    var firstSeen: String?
    var lastSeen: String?
    var tlp: String?
    var note: String?

    enum CodingKeys: String, CodingKey {
        case count, tlp, note
        case firstSeen = "first-seen"
        case lastSeen = "last-seen"
    }
}

/// One STIX object, readable: its properties, relationships, sightings and references, and the sighting form.
struct STIXObjectPage: Page {
    static let template = "stix-object"

    struct Object: PageModel {
        let id: String
        let type: String
        let title: String
        let tlpLabel: String
        let tlpClass: String
        let pap: String?
        let isReport: Bool
        let pattern: String?
        let description: String?
        let collection: String
    }

    struct Sighting: PageModel {
        let id: String
        let count: Int64
        let tlpLabel: String
        let tlpClass: String
        let `where`: String
        let firstSeen: String
        let lastSeen: String
        let note: String
        let collection: String
    }

    /// An object this one relates to or refers to, by name where the reader may see it.
    struct Link: PageModel {
        let text: String
        let other: String
        let name: String?
        let collection: String
    }

    struct Property: PageModel {
        let name: String
        let value: String
    }

    let object: Object
    let properties: [Property]
    let relationships: [Link]
    let hasRelationships: Bool
    let references: [Link]
    let hasReferences: Bool
    /// The object's STIX JSON as stored.
    let json: String
    let sightings: [Sighting]
    let hasSightings: Bool
    let canSight: Bool
    let tlps: [Option]
    /// A refused sighting, as typed.
    let typed: SightingForm?
    let error: String?
}
