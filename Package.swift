// swift-tools-version:6.1
import Foundation
import PackageDescription

/// The node's features, in the order the node lists them. Each is a folder under Sources/Features holding one slice
/// per layer it needs: Model (pure core), Storage, Federation, Node (service and routes), Pages (templates), CLI.
/// A layer's module compiles that layer of every feature, so the pure core stays free of I/O by construction.
let features = [
    "Hotline", "Checks", "Cases", "Record", "Forums", "Agreements", "Norms", "ConfidenceBuilding", "Drills", "CapacityBuilding", "Intelligence",
]

/// The folders, relative to Sources, of one layer of the given features, where they have it.
func slices(_ layer: String, of names: [String] = features) -> [String] {
    names.map { "Features/\($0)/\(layer)" }.filter { FileManager.default.fileExists(atPath: "\(Context.packageDirectory)/Sources/\($0)") }
}

/// Every folder a target sharing Sources might use: the shared modules' and each feature's slices.
let allFolders: [String] = {
    let files = FileManager.default
    let sources = "\(Context.packageDirectory)/Sources"
    let shared = ((try? files.contentsOfDirectory(atPath: sources)) ?? []).filter { $0 != "Features" }
    let layers = ((try? files.contentsOfDirectory(atPath: "\(sources)/Features")) ?? []).flatMap { feature in
        ((try? files.contentsOfDirectory(atPath: "\(sources)/Features/\(feature)")) ?? []).map { "Features/\(feature)/\($0)" }
    }
    return shared + layers
}()

/// The targets below share Sources as their path; SwiftPM would warn about every file a target does not use,
/// so each excludes the folders that are not its own.
func unused(by own: [String]) -> [String] {
    allFolders.filter { folder in !own.contains { $0 == folder || $0.hasPrefix(folder + "/") } }
}

/// The multilateral record's features: one shared document type (the Record) and the kinds of record built on it.
let multilateral = ["Record", "Forums", "Agreements", "Norms", "ConfidenceBuilding", "Drills", "CapacityBuilding"]

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")

let package = Package(
    name: "Entente",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "entente", targets: ["EntenteCLI"]),
        // The pure core as a library, for the fuzzing package in Fuzz/ (built with -sanitize=fuzzer).
        .library(name: "EntenteCore", targets: ["CanonicalJSON", "EntenteProtocol", "Cases", "Multilateral", "Intelligence"]),
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
            exclude: unused(by: slices("Model", of: ["Hotline"])),
            sources: slices("Model", of: ["Hotline"]),
            swiftSettings: strict
        ),
        .target(
            name: "Cases",
            dependencies: ["EntenteProtocol", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources",
            exclude: unused(by: slices("Model", of: ["Cases"])),
            sources: slices("Model", of: ["Cases"]),
            swiftSettings: strict
        ),
        .target(
            name: "Multilateral",
            dependencies: ["EntenteProtocol", "Hotline", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources",
            exclude: unused(by: slices("Model", of: multilateral)),
            sources: slices("Model", of: multilateral),
            swiftSettings: strict
        ),
        .target(
            name: "Intelligence",
            dependencies: ["EntenteProtocol", "Cases", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources",
            exclude: unused(by: slices("Model", of: ["Intelligence"])),
            sources: slices("Model", of: ["Intelligence"]),
            swiftSettings: strict
        ),

        // I/O at the edges.
        .target(
            name: "Storage",
            dependencies: [
                "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources",
            exclude: unused(by: ["Storage"] + slices("Storage")),
            sources: ["Storage"] + slices("Storage"),
            swiftSettings: strict
        ),
        .target(
            name: "Federation",
            dependencies: [
                "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Storage",
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
            exclude: unused(by: ["Federation"] + slices("Federation")),
            sources: ["Federation"] + slices("Federation"),
            swiftSettings: strict
        ),
        .target(
            name: "WebInterface",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")],
            path: "Sources",
            exclude: unused(by: ["WebInterface"] + slices("Pages")),
            sources: ["WebInterface/Pages.swift"],
            // Flattened into one bundle folder: template names are unique across features.
            resources: (["WebInterface/Templates"] + slices("Pages")).map { .process($0) },
            swiftSettings: strict
        ),
        .target(
            name: "Node",
            dependencies: [
                "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "Storage", "Federation", "WebInterface",
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
            exclude: unused(by: ["Node"] + slices("Node")) + ["Node/openapi.json"],
            sources: ["Node"] + slices("Node"),
            resources: [.copy("Node/openapi.json")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "EntenteCLI",
            dependencies: [
                "Node", "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources",
            exclude: unused(by: ["EntenteCLI"] + slices("CLI")),
            sources: ["EntenteCLI"] + slices("CLI"),
            swiftSettings: strict
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON"], swiftSettings: strict),
        .testTarget(name: "EntenteProtocolTests", dependencies: ["EntenteProtocol", crypto], swiftSettings: strict),
        .testTarget(name: "HotlineTests", dependencies: ["Hotline", "EntenteProtocol"], swiftSettings: strict),
        .testTarget(name: "CasesTests", dependencies: ["Cases", "EntenteProtocol", crypto], swiftSettings: strict),
        .testTarget(name: "MultilateralTests", dependencies: ["Multilateral", "EntenteProtocol", "Hotline", crypto], swiftSettings: strict),
        .testTarget(name: "IntelligenceTests", dependencies: ["Intelligence", "Cases", "EntenteProtocol", crypto], swiftSettings: strict),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "TestSupport", "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "EntenteProtocol", "Hotline", "Cases", "Multilateral", "Intelligence", "Storage", "Federation", "TestSupport", crypto,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
