import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import WebInterface

/// A page's forms that write record entries, as posted: `kind` says which entry.
protocol RecordEntryForm: Decodable, PageModel {
    var kind: String? { get }
}

/// The forms of a page whose entries all go to the public record.
protocol PublicEntryForm: RecordEntryForm {}

extension WebPage {
    /// A page's form that writes one public entry: the body is read from the form by `body`; success returns
    /// to `path`, a refusal re-renders the page with what was typed and the reason (`page`).
    func writePublicEntry<F: PublicEntryForm>(
        _ request: Request,
        _ context: NodeRequestContext,
        records: RecordService,
        returningTo path: String,
        body: (RecordKind, F) throws -> JSONValue,
        page: (F, String) async throws -> Response
    ) async throws -> Response {
        let typed = try await form(F.self, request)
        do {
            guard let kind = RecordKind(rawValue: typed.kind ?? "") else { throw ServiceFailure.invalid("unknown form") }
            try await records.write(kind, body: try body(kind, typed), in: .publicRecord, by: person(context))
            return redirect(path)
        } catch let failure as ServiceFailure {
            return try await page(typed, failure.description)
        } catch let error as DocumentError {
            return try await page(typed, error.description)
        }
    }
}

/// A comma-separated list typed in one field, trimmed, without empty items.
func commaSeparated(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

extension RecordEntryForm {
    /// The form as typed, if it is the one of `kind` that was refused: only that form on the page opens again with it.
    func ifKind(_ kind: RecordKind) -> Self? { self.kind == kind.rawValue ? self : nil }
}
