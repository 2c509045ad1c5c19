// swift-tools-version:6.1
import PackageDescription

/// A layer of a feature: the folder `Sources/Features/<Feature>/<Layer>`, compiled into that layer's module.
enum Layer: String {
    /// The pure core: value types and rules, no I/O (modules Hotline, Cases, Multilateral, Intelligence).
    case model = "Model"
    case storage = "Storage"
    case federation = "Federation"
    /// The feature's service, API and web routes, and how it plugs into the node (`NodeFeature`).
    case node = "Node"
    /// Mustache templates, shipped as the WebInterface module's resources.
    case pages = "Pages"
    case cli = "CLI"
}

/// The node's features, in the order the node lists them (Sources/Node/NodeFeatures.swift), each with the layers it has.
let features: [(name: String, layers: [Layer])] = [
    ("Hotline", [.model, .storage, .federation, .node, .pages, .cli]),
    ("Cases", [.model, .storage, .federation, .node, .pages, .cli]),
    ("Record", [.model, .storage, .federation, .node, .cli]),
    ("Forums", [.model, .node, .pages, .cli]),
    ("Agreements", [.model, .storage, .node, .pages, .cli]),
    ("Norms", [.model, .node, .pages, .cli]),
    ("ConfidenceBuilding", [.model, .node, .pages, .cli]),
    ("Drills", [.model, .storage, .node, .pages, .cli]),
    ("CapacityBuilding", [.model, .node, .pages, .cli]),
    ("Intelligence", [.model, .storage, .node, .pages, .cli]),
    ("Directory", [.node, .pages, .cli]),
    ("Checks", [.storage, .node, .pages, .cli]),
    ("TransparencyLog", [.model, .storage, .federation, .node, .pages, .cli]),
    ("Detection", [.model, .storage, .node, .pages, .cli]),
    ("Languages", [.model, .node, .cli]),
]

/// The modules every feature builds on, each in its own folder under Sources.
let sharedFolders = ["CZlib", "CanonicalJSON", "EntenteProtocol", "Storage", "Federation", "WebInterface", "Node", "NodeAPI", "EntenteCLI"]

/// The folders, relative to Sources, of one layer of the given features (all by default), where they have it.
func slices(_ layer: Layer, of names: [String]? = nil) -> [String] {
    features.filter { names?.contains($0.name) ?? true }.filter { $0.layers.contains(layer) }.map { "Features/\($0.name)/\(layer.rawValue)" }
}

/// The targets below share Sources as their path; SwiftPM would warn about every file a target does not use,
/// so each excludes the folders that are not its own.
func unused(by own: [String]) -> [String] {
    let all = sharedFolders + features.flatMap { feature in feature.layers.map { "Features/\(feature.name)/\($0.rawValue)" } }
    return all.filter { folder in !own.contains { $0 == folder || $0.hasPrefix(folder + "/") } }
}

/// The multilateral record's features: one shared document type (the Record) and the kinds of record built on it.
let multilateral = ["Record", "Forums", "Agreements", "Norms", "ConfidenceBuilding", "Drills", "CapacityBuilding"]

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let sqlKit: Target.Dependency = .product(name: "SQLKit", package: "sql-kit")

let package = Package(
    name: "Entente",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "entente", targets: ["EntenteCLI"]),
        // The pure core as a library, for the fuzzing package in Fuzz/ (built with -sanitize=fuzzer).
        .library(
            name: "EntenteCore",
            targets: ["CanonicalJSON", "EntenteProtocol", "Cases", "Multilateral", "Intelligence", "TransparencyLog", "Detection"]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
    ],
    targets: [
        // Pure core: value types and rules, no I/O.
        .target(name: "CanonicalJSON", swiftSettings: strict),
        .target(
            name: "EntenteProtocol",
            dependencies: [
                "CanonicalJSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Hotline",
            dependencies: ["EntenteProtocol"],
            path: "Sources",
            exclude: unused(by: slices(.model, of: ["Hotline"])),
            sources: slices(.model, of: ["Hotline"]),
            swiftSettings: strict
        ),
        .target(
            name: "Cases",
            dependencies: ["EntenteProtocol", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources",
            exclude: unused(by: slices(.model, of: ["Cases"])),
            sources: slices(.model, of: ["Cases"]),
            swiftSettings: strict
        ),
        .target(
            name: "Multilateral",
            dependencies: ["EntenteProtocol", "Hotline", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources",
            exclude: unused(by: slices(.model, of: multilateral)),
            sources: slices(.model, of: multilateral),
            swiftSettings: strict
        ),
        .target(
            name: "TransparencyLog",
            dependencies: [crypto],
            path: "Sources",
            exclude: unused(by: slices(.model, of: ["TransparencyLog"])),
            sources: slices(.model, of: ["TransparencyLog"]),
            swiftSettings: strict
        ),
        .target(
            name: "Intelligence",
            dependencies: ["EntenteProtocol", "Cases", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources",
            exclude: unused(by: slices(.model, of: ["Intelligence"])),
            sources: slices(.model, of: ["Intelligence"]),
            swiftSettings: strict
        ),
        .target(
            name: "Detection",
            dependencies: ["Intelligence", "CanonicalJSON", "CZlib"],
            path: "Sources",
            exclude: unused(by: slices(.model, of: ["Detection"])),
            sources: slices(.model, of: ["Detection"]),
            swiftSettings: strict
        ),
        .target(
            name: "Languages",
            path: "Sources",
            exclude: unused(by: slices(.model, of: ["Languages"])),
            sources: slices(.model, of: ["Languages"]),
            swiftSettings: strict
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // I/O at the edges.
        .target(
            name: "Storage",
            dependencies: [
                "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "TransparencyLog", "Detection",
                sqlKit,
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources",
            exclude: unused(by: ["Storage"] + slices(.storage)),
            sources: ["Storage"] + slices(.storage),
            swiftSettings: strict
        ),
        .target(
            name: "Federation",
            dependencies: [
                "EntenteProtocol", "Hotline", "Cases", "Multilateral", "TransparencyLog", "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources",
            exclude: unused(by: ["Federation"] + slices(.federation)),
            sources: ["Federation"] + slices(.federation),
            swiftSettings: strict
        ),
        .target(
            name: "WebInterface",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")],
            path: "Sources",
            exclude: unused(by: ["WebInterface"] + slices(.pages)),
            sources: ["WebInterface/Pages.swift"],
            // Flattened into one bundle folder: template names are unique across features.
            resources: (["WebInterface/Templates"] + slices(.pages)).map { .process($0) },
            swiftSettings: strict
        ),
        .target(
            name: "Node",
            dependencies: [
                "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "TransparencyLog", "Detection", "Languages", "Storage",
                "Federation", "WebInterface",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources",
            exclude: unused(by: ["Node"] + slices(.node)) + ["Node/openapi.json"],
            sources: ["Node"] + slices(.node),
            resources: [.copy("Node/openapi.json")],
            swiftSettings: strict
        ),
        // The operator API's types and client, generated from Sources/Node/openapi.json by scripts/generate-api and
        // committed, so the CLI cannot drift from the document (a test checks the document's hash).
        .target(
            name: "NodeAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            exclude: ["Generated/openapi.sha256"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "EntenteCLI",
            dependencies: [
                "Node", "NodeAPI", "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "TransparencyLog", "Storage",
                "Detection", "Languages", crypto,
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources",
            exclude: unused(by: ["EntenteCLI"] + slices(.cli)),
            sources: ["EntenteCLI"] + slices(.cli),
            swiftSettings: strict
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON"], swiftSettings: strict),
        .testTarget(name: "EntenteProtocolTests", dependencies: ["EntenteProtocol", crypto], swiftSettings: strict),
        .testTarget(name: "HotlineTests", dependencies: ["Hotline", "EntenteProtocol"], swiftSettings: strict),
        .testTarget(name: "CasesTests", dependencies: ["Cases", "EntenteProtocol", crypto], swiftSettings: strict),
        .testTarget(name: "MultilateralTests", dependencies: ["Multilateral", "EntenteProtocol", "Hotline", crypto], swiftSettings: strict),
        .testTarget(name: "TransparencyLogTests", dependencies: ["TransparencyLog", "TestSupport", crypto], swiftSettings: strict),
        .testTarget(
            name: "DetectionTests",
            dependencies: ["Detection", "Intelligence", "CanonicalJSON", "CZlib", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(name: "LanguagesTests", dependencies: ["Languages", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "IntelligenceTests",
            dependencies: ["Intelligence", "Cases", "EntenteProtocol", "TestSupport", crypto],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "Node", "TestSupport", "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "TransparencyLog",
                "Detection", sqlKit, crypto,
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "TransparencyLog", "Storage", "Federation",
                "Languages", "TestSupport", crypto, sqlKit,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
