import Crypto
import EntenteProtocol
import Foundation
import NIOPosix
import _CryptoExtras

/// scrypt (RFC 7914), a memory-hard password hash. Stored as
/// `scrypt$N$r$p$salt$hash` (salt and hash in base64url) so parameters can be
/// raised later without invalidating existing accounts.
public struct PasswordHasher: Sendable {
    public var cost: Int
    public var blockSize = 8
    public var parallelism = 1

    /// N = 2^15, r = 8: 32 MiB and tens of milliseconds per guess.
    public static let standard = PasswordHasher(cost: 1 << 15)

    public init(cost: Int) { self.cost = cost }

    public static let minimumPasswordLength = 12

    public func hash(_ password: String) throws -> String {
        let salt = Data((0..<16).map { _ in UInt8.random(in: .min ... .max) })
        let derived = try derive(password, salt: salt, cost: cost, blockSize: blockSize, parallelism: parallelism)
        return ["scrypt", String(cost), String(blockSize), String(parallelism), Base64URL.encode(salt), Base64URL.encode(derived)].joined(
            separator: "$"
        )
    }

    /// Hashes on NIO's blocking-work pool (one thread per core): a hash takes tens of milliseconds
    /// and 32 MiB, and on the cooperative pool a few sign-ins would stall every request of the node.
    public func hashOffThePool(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { try hash(password) }
    }

    /// `verify` on NIO's blocking-work pool, for the same reason as `hashOffThePool`.
    public static func verifyOffThePool(_ password: String, against stored: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { verify(password, against: stored) }
    }

    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let cost = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), let salt = Base64URL.decode(parts[4]), let expected = Base64URL.decode(parts[5]),
            cost >= 2, cost <= 1 << 20, cost & (cost - 1) == 0, (1...32).contains(blockSize), (1...16).contains(parallelism),
            let derived = try? PasswordHasher(cost: cost).derive(password, salt: salt, cost: cost, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        return constantTimeEquals(derived, expected)
    }

    func derive(_ password: String, salt: Data, cost: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(
            from: Data(password.utf8),
            salt: salt,
            outputByteCount: 32,
            rounds: cost,
            blockSize: blockSize,
            parallelism: parallelism,
            maxMemory: 256 * cost * blockSize * parallelism + (1 << 20)
        )
        return key.withUnsafeBytes { Data($0) }
    }
}

func constantTimeEquals(_ lhs: some DataProtocol, _ rhs: some DataProtocol) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

/// A random secret for tokens and cookies, and the hash under which it is stored.
enum Secret {
    static func generate() -> String {
        Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max) })
    }

    static func storageHash(_ secret: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Data(secret.utf8))))
    }
}
