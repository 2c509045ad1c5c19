// swift-tools-version:6.1
// The generator that scripts/generate-api runs: a package of its own, so the node's build never compiles it.
import PackageDescription

let package = Package(
    name: "openapi-generator",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")],
    targets: []
)
