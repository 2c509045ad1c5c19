import Foundation

/// The shared evaluation data beside the project (`../shared/data`), or `ENTENTE_SHARED_DATA`.
public func sharedData(_ path: String) throws -> URL {
    if let given = ProcessInfo.processInfo.environment["ENTENTE_SHARED_DATA"] { return URL(fileURLWithPath: given).appendingPathComponent(path) }
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while folder.path != "/" {
        folder.deleteLastPathComponent()
        let candidate = folder.appendingPathComponent("shared/data").appendingPathComponent(path)
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "../shared/data/\(path) is missing: set ENTENTE_SHARED_DATA"])
}
