import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral

extension WebPage {
    /// A page's form that writes one public entry: the body is read from the form by `body`; success returns
    /// to `path`, a refusal re-renders the page with the reason (`page`).
    func writePublicEntry(
        _ request: Request,
        _ context: NodeRequestContext,
        records: RecordService,
        returningTo path: String,
        body: (RecordKind, Form) throws -> JSONValue,
        page: (String) async throws -> Response
    ) async throws -> Response {
        let form = try await Form(request, limit: Self.formLimit)
        do {
            guard let kind = RecordKind(rawValue: form["kind"] ?? "") else { throw ServiceFailure.invalid("unknown form") }
            try await records.write(kind, body: try body(kind, form), in: .publicRecord, by: person(context))
            return redirect(path)
        } catch let failure as ServiceFailure {
            return try await page(failure.description)
        } catch let error as DocumentError {
            return try await page(error.description)
        }
    }
}

extension Form {
    /// A comma-separated list, trimmed, without empty items.
    func list(_ name: String) -> [String] {
        (self[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
