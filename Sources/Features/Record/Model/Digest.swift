import Crypto
import Foundation

/// Lowercase hex SHA-256, the form texts and documents are pinned by in the record.
public enum Digest {
    public static func sha256(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256(of text: String) -> String { sha256(Array(text.utf8)) }
}
