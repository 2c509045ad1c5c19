/// A norm of responsible state behaviour in cyberspace, from the catalogue shipped
/// with every node or added to the record by a participant.
public struct Norm: Sendable, Equatable, Codable {
    public enum Scope: String, Sendable, Codable, CaseIterable {
        case global, regional, bilateral
    }

    /// Stable short code, e.g. `gge2015-13f`.
    public var code: String
    public var title: String
    public var text: String
    public var source: String
    public var scope: Scope

    public init(code: String, title: String, text: String, source: String, scope: Scope) {
        self.code = code
        self.title = title
        self.text = text
        self.source = source
        self.scope = scope
    }
}

/// The norms every node knows: the eleven of the 2015 UN GGE report (A/70/174, paragraph 13,
/// a to k), the nine principles of the Paris Call (2018), and the 2015 US–China understanding
/// on cyber-enabled theft of intellectual property, an example of a bilateral norm.
public enum NormCatalogue {
    static let gge = "UN GGE 2015 report (A/70/174), para. 13"
    static let paris = "Paris Call for Trust and Security in Cyberspace (2018)"

    public static let shipped: [Norm] = [
        Norm(
            code: "gge2015-13a",
            title: "Cooperate for stability and security",
            text: "Cooperate to increase stability and security in the use of ICTs and to prevent harmful ICT practices.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13b",
            title: "Consider all relevant information",
            text:
                "In case of ICT incidents, consider all relevant information, including the larger context, the challenges of attribution and the nature and extent of the consequences.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13c",
            title: "Territory not used for wrongful acts",
            text: "Do not knowingly allow the territory to be used for internationally wrongful acts using ICTs.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13d",
            title: "Cooperate against criminal and terrorist use",
            text: "Cooperate to exchange information, assist each other and prosecute terrorist and criminal use of ICTs.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13e",
            title: "Respect human rights and privacy",
            text: "Respect human rights, including the right to privacy, in the use of ICTs.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13f",
            title: "Do not damage critical infrastructure",
            text:
                "Do not conduct or knowingly support ICT activity that intentionally damages or impairs critical infrastructure providing services to the public.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13g",
            title: "Protect critical infrastructure",
            text: "Take appropriate measures to protect one's own critical infrastructure from ICT threats.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13h",
            title: "Respond to requests for assistance",
            text: "Respond to appropriate requests for assistance by another state whose critical infrastructure is subject to malicious ICT acts.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13i",
            title: "Supply chain integrity",
            text: "Ensure the integrity of the supply chain and prevent the proliferation of malicious ICT tools, techniques and hidden functions.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13j",
            title: "Responsible vulnerability reporting",
            text: "Encourage responsible reporting of ICT vulnerabilities and share associated remedies.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "gge2015-13k",
            title: "Do not harm emergency response teams",
            text: "Do not harm the systems of authorised emergency response teams (CERTs/CSIRTs), nor use them for malicious international activity.",
            source: gge,
            scope: .global
        ),
        Norm(
            code: "paris-1",
            title: "Protect individuals and infrastructure",
            text:
                "Prevent and recover from malicious cyber activities that threaten or cause significant harm to individuals and critical infrastructure.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-2",
            title: "Protect the Internet",
            text:
                "Prevent activity that intentionally and substantially damages the general availability or integrity of the public core of the Internet.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-3",
            title: "Defend electoral processes",
            text:
                "Strengthen the capacity to prevent malign interference aimed at undermining electoral processes through malicious cyber activities.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-4",
            title: "Defend intellectual property",
            text: "Prevent ICT-enabled theft of intellectual property, including trade secrets, with the intent of providing competitive advantages.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-5",
            title: "Non-proliferation",
            text: "Develop ways to prevent the proliferation of malicious software and practices intended to cause harm.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-6",
            title: "Lifecycle security",
            text: "Strengthen the security of digital processes, products and services throughout their lifecycle and supply chain.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-7",
            title: "Cyber hygiene",
            text: "Support efforts to strengthen an advanced cyber hygiene for all actors.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-8",
            title: "No private hack-back",
            text:
                "Take steps to prevent non-state actors, including the private sector, from hacking back, for their own purposes or those of other non-state actors.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "paris-9",
            title: "International norms",
            text:
                "Promote the widespread acceptance and implementation of international norms of responsible behaviour and confidence-building measures in cyberspace.",
            source: paris,
            scope: .global
        ),
        Norm(
            code: "us-china-2015",
            title: "No cyber-enabled theft of commercial secrets",
            text:
                "Neither government conducts or knowingly supports cyber-enabled theft of intellectual property, including trade secrets or other confidential business information, for commercial advantage.",
            source: "United States–China understanding, September 2015",
            scope: .bilateral
        ),
    ]

    public static func norm(_ code: String) -> Norm? { shipped.first { $0.code == code } }
}
