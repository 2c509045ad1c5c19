import Foundation
import Intelligence

/// How unlike the names people use a domain name is: a character trigram model of benign domain labels, trained
/// on a public-domain list (OpenDNS's top domains: `scripts/train-dga`), scoring the label left of the public
/// suffix (or of a dynamic-DNS or shared provider, whose customers pick the label) by its mean surprise per
/// character. Machine-generated names (DGAs) are strings of unlikely character sequences; the score says so,
/// and how unlikely, in words.
public struct DomainNameModel: Sendable {
    /// `^` begins a label and `$` ends it.
    static let symbols = Array("abcdefghijklmnopqrstuvwxyz0123456789-^$".unicodeScalars)
    static let symbolCount = symbols.count
    static let index: [UInt8: Int] = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { (UInt8($1.value), $0) })

    private var trigrams: [UInt32]
    /// How often each pair began a trigram, and how often each symbol began a pair: the estimates' denominators.
    private var pairContexts: [UInt32]
    private var bigrams: [UInt32]
    private var symbolContexts: [UInt32]
    /// How many different symbols followed each pair and each symbol (Witten-Bell's T).
    private var pairTypes: [UInt32]
    private var symbolTypes: [UInt32]
    private var unigrams: [UInt32]
    private var total: UInt32 = 0

    /// The model the product ships, trained by `scripts/train-dga` (`DomainTrigrams.swift`).
    public static let shipped: DomainNameModel = {
        var model = DomainNameModel()
        for line in DomainTrigrams.counts.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let count = UInt32(parts[1]) else { continue }
            model.add(Array(parts[0].utf8), count: count)
        }
        return model
    }()

    init() {
        let k = Self.symbolCount
        trigrams = [UInt32](repeating: 0, count: k * k * k)
        pairContexts = [UInt32](repeating: 0, count: k * k)
        bigrams = [UInt32](repeating: 0, count: k * k)
        symbolContexts = [UInt32](repeating: 0, count: k)
        pairTypes = [UInt32](repeating: 0, count: k * k)
        symbolTypes = [UInt32](repeating: 0, count: k)
        unigrams = [UInt32](repeating: 0, count: k)
    }

    /// Trains on domain names, each reduced to the label that is scored.
    public static func train(on names: some Sequence<String>) -> DomainNameModel {
        var model = DomainNameModel()
        for name in names {
            guard let label = scoredLabel(of: name) else { continue }
            for trigram in trigrams(of: label) { model.add(trigram, count: 1) }
        }
        return model
    }

    mutating func add(_ trigram: [UInt8], count: UInt32) {
        guard trigram.count == 3, let a = Self.index[trigram[0]], let b = Self.index[trigram[1]], let c = Self.index[trigram[2]] else { return }
        let k = Self.symbolCount
        if trigrams[(a * k + b) * k + c] == 0 { pairTypes[a * k + b] += 1 }
        if bigrams[b * k + c] == 0 { symbolTypes[b] += 1 }
        trigrams[(a * k + b) * k + c] += count
        pairContexts[a * k + b] += count
        bigrams[b * k + c] += count
        symbolContexts[b] += count
        unigrams[c] += count
        total += count
    }

    /// The trigrams of a label between its boundary marks: `^^a`, `^ab`, …, `yz$`.
    static func trigrams(of label: String) -> [[UInt8]] {
        let bytes = [UInt8(ascii: "^"), UInt8(ascii: "^")] + Array(label.utf8) + [UInt8(ascii: "$")]
        return (0..<bytes.count - 2).map { Array(bytes[$0..<$0 + 3]) }
    }

    /// The model's counts, one trigram a line (`abc 12`): what `DomainTrigrams.swift` holds.
    public var serialized: String {
        let k = Self.symbolCount
        var lines: [String] = []
        for position in trigrams.indices where trigrams[position] > 0 {
            let (a, b, c) = (position / (k * k), position / k % k, position % k)
            lines.append(String(String.UnicodeScalarView([Self.symbols[a], Self.symbols[b], Self.symbols[c]])) + " \(trigrams[position])")
        }
        return lines.joined(separator: "\n")
    }

    /// How generated the name looks: the surprise of its scored label (bits, summed over its characters) divided
    /// by the square root of their number, so that a long run of unlikely characters stands out and a short odd
    /// label does not (parameter-free; on the labelled data, better than the mean or the sum).
    public func score(of name: String) -> Double? {
        guard let label = Self.scoredLabel(of: name), let bits = surprises(of: label) else { return nil }
        return bits.reduce(0, +) / Double(bits.count).squareRoot()
    }

    /// Mean surprise, in bits per character, of the name's scored label: what a finding's reason says.
    public func surprise(of name: String) -> Double? {
        guard let label = Self.scoredLabel(of: name), let bits = surprises(of: label) else { return nil }
        return bits.reduce(0, +) / Double(bits.count)
    }

    /// The surprise of each character of `label` (and of its end) under the model; nil when it uses characters no
    /// host name has.
    func surprises(of label: String) -> [Double]? {
        let k = Self.symbolCount
        var bits: [Double] = []
        let grams = Self.trigrams(of: label)
        for gram in grams {
            guard let a = Self.index[gram[0]], let b = Self.index[gram[1]], let c = Self.index[gram[2]] else { return nil }
            // Witten-Bell: each context keeps for the unseen what it gave to new symbols in training.
            let unigram = (Double(unigrams[c]) + 1) / (Double(total) + Double(k))
            let symbolSeen = Double(symbolContexts[b])
            let symbolNew = Double(symbolTypes[b])
            let bigram = symbolSeen == 0 ? unigram : (Double(bigrams[b * k + c]) + symbolNew * unigram) / (symbolSeen + symbolNew)
            let pairSeen = Double(pairContexts[a * k + b])
            let pairNew = Double(pairTypes[a * k + b])
            let probability = pairSeen == 0 ? bigram : (Double(trigrams[(a * k + b) * k + c]) + pairNew * bigram) / (pairSeen + pairNew)
            bits.append(-log2(probability))
        }
        return bits
    }

    // MARK: Which label is scored

    /// Second-level labels under which country registries sell names (`example.co.uk`).
    static let secondLevels: Set<String> = ["co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "mil", "nic", "ltd", "plc"]
    /// Parents whose customers choose the label to their left: dynamic DNS and shared hosting.
    static let sharedParents: Set<String> = [
        "duckdns.org", "no-ip.org", "no-ip.com", "noip.me", "ddns.net", "dyndns.org", "dynu.com", "freedns.afraid.org", "hopto.org",
        "zapto.org", "sytes.net", "servebeer.com", "serveftp.com", "myftp.biz", "changeip.com", "dnsalias.com", "3utilities.com",
        "bounceme.net", "ddnsking.com", "gotdns.ch", "mooo.com", "publicvm.com", "webhop.me", "myddns.me", "linkpc.net", "dlinkddns.com",
        "blogspot.com", "github.io", "herokuapp.com", "azurewebsites.net", "cloudfront.net", "appspot.com", "pages.dev", "workers.dev",
        "netlify.app", "vercel.app", "web.app", "firebaseapp.com", "000webhostapp.com", "weebly.com", "wixsite.com", "ngrok.io",
    ]

    /// The label a person or an algorithm chose: left of the public suffix, or of a shared parent.
    public static func scoredLabel(of name: String) -> String? {
        let lowered = IndicatorIndex.normalisedDomain(name)
        let labels = lowered.split(separator: ".").map(String.init)
        guard labels.count >= 2, IPAddress(lowered) == nil else { return nil }
        for parentLength in [3, 2] where labels.count > parentLength {
            if sharedParents.contains(labels.suffix(parentLength).joined(separator: ".")) { return labels[labels.count - parentLength - 1] }
        }
        let suffixLength = labels.count >= 3 && labels.last!.count == 2 && secondLevels.contains(labels[labels.count - 2]) ? 2 : 1
        guard labels.count > suffixLength else { return nil }
        let label = labels[labels.count - suffixLength - 1]
        return label.isEmpty ? nil : label
    }
}
