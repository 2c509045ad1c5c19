import Foundation
import Multilateral

extension NodeStore {
    /// The agreements held, for the hotline to apply their obligations.
    public func agreementBook() async throws -> AgreementBook {
        AgreementBook(try await recordEntries(ofEvery: "agreement").map { AgreementState(id: $0.key, entries: $0.value) })
    }
}
