import Detection
import Foundation
import TestSupport
import Testing

@Suite("The domain-name model")
struct DomainNameModelTests {
    @Test("The label scored is the one a person or an algorithm chose: left of the public suffix or of a dynamic-DNS parent")
    func scoredLabel() {
        #expect(DomainNameModel.scoredLabel(of: "www.Example.COM.") == "example")
        #expect(DomainNameModel.scoredLabel(of: "news.bbc.co.uk") == "bbc")
        #expect(DomainNameModel.scoredLabel(of: "xk2jq9v.duckdns.org") == "xk2jq9v")
        #expect(DomainNameModel.scoredLabel(of: "a.b.freedns.afraid.org") == "b")
        #expect(DomainNameModel.scoredLabel(of: "localhost") == nil)
        #expect(DomainNameModel.scoredLabel(of: "203.0.113.7") == nil)
    }

    @Test("Machine-generated names score above the names people use")
    func ordering() throws {
        let model = DomainNameModel.shipped
        for (generated, chosen) in [
            ("xjwqkzvbtrmp.com", "wikipedia.org"), ("193yqnmh9h5ffz6h35bnr3g79.net", "weather.com"), ("qzxkv.ru", "yandex.ru"),
        ] {
            let high = try #require(model.score(of: generated))
            let low = try #require(model.score(of: chosen))
            #expect(high > low, "\(generated) \(high) vs \(chosen) \(low)")
        }
    }

    @Test(
        "The shipped counts are what training on the public-domain list gives (scripts/train-dga)",
        .enabled(if: (try? sharedData("detection/domains/benign-train.txt")) != nil)
    )
    func shippedModelIsReproducible() throws {
        let names = try String(contentsOf: sharedData("detection/domains/benign-train.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(DomainNameModel.train(on: names).serialized == DomainNameModel.shipped.serialized)
    }
}
