// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for what a node parses from anyone who can reach it: canonical JSON,
// envelopes, descriptors, case events, record entries and vote results, joint statements,
// STIX objects and directories. Built and run by Fuzz/run (swiftc's -sanitize=fuzzer).
let package = Package(
    name: "EntenteFuzz",
    dependencies: [.package(name: "Entente", path: "..")],
    targets: [
        .executableTarget(
            name: "EntenteFuzz",
            dependencies: [.product(name: "EntenteCore", package: "Entente")],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        )
    ]
)
