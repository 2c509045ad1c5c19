/// One line of a network log, reduced to what detection reads: who talked to whom, when, how much, and the
/// names, addresses and hashes it carried. Fields a log does not have stay nil.
public struct NetworkEvent: Sendable, Equatable {
    public enum Log: String, Sendable, CaseIterable {
        case conn, dns, http, ssl, files
        /// CSV flow records.
        case flow
    }

    public var log: Log
    /// Seconds since 1970.
    public var time: Double
    /// The originator (`id.orig_h`; for a file, the host that received it).
    public var source: String?
    public var sourcePort: Int?
    public var destination: String?
    public var destinationPort: Int?
    /// tcp, udp, icmp.
    public var transport: String?
    public var service: String?
    public var duration: Double?
    public var sentBytes: Int?
    public var receivedBytes: Int?
    /// Zeek's conn_state: S0, SF, REJ, …
    public var state: String?
    /// Zeek's local_orig and local_resp: whether the log's own network holds the address.
    public var sourceIsLocal: Bool?
    public var destinationIsLocal: Bool?
    public var query: String?
    /// NOERROR, NXDOMAIN, …
    public var responseCode: String?
    public var answers: [String] = []
    public var host: String?
    public var uri: String?
    public var serverName: String?
    public var md5: String?
    public var sha1: String?
    public var sha256: String?

    public init(log: Log, time: Double) {
        self.log = log
        self.time = time
    }

    /// The event's URL as indicators name it: `http://host/uri` (host lower-cased; a URI already absolute
    /// is taken as it is).
    public var url: String? {
        guard let uri, !uri.isEmpty else { return nil }
        if uri.hasPrefix("http://") || uri.hasPrefix("https://") { return uri }
        guard let host = host ?? serverName else { return nil }
        return "http://" + host.lowercased() + (uri.hasPrefix("/") ? uri : "/" + uri)
    }

    /// Names the event mentions: the DNS query, the HTTP host, the TLS server name.
    public var names: [String] { [query, host, serverName].compactMap { $0 } }
}
