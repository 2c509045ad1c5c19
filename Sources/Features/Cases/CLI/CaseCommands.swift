import ArgumentParser
import Cases
import EntenteProtocol
import Foundation
import NodeAPI
import OpenAPIRuntime

struct Case: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an incident case: report, notify, consult, refer, attribute, agree, follow up, close.",
        discussion: """
            Every step is signed by this node and delivered to the case's participants, whose nodes compute the
            same state from the same events. A step the case's state does not allow is refused with the reason.
            """,
        subcommands: [
            Open.self, List.self, Show.self, Notify.self, Acknowledge.self, Request.self, Respond.self, Evidence.self,
            Consult.self, Refer.self, Attribute.self, Statement.self, Cosign.self, Export.self, Resolve.self,
            FollowUp.self, Done.self, Close.self, Record.self,
        ]
    )

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a case with its report; prints the case id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A short title.") var title: String
        @Option(help: "What happened.") var summary: String
        @Option(name: .customLong("sector"), help: "An affected sector (repeatable): \(Sector.allCases.map(\.rawValue).joined(separator: ", ")).")
        var sectors: [Components.Schemas.NewCase.SectorsPayloadPayload]
        @Option(help: "low, moderate, high or severe.") var impact: Components.Schemas.NewCase.ImpactPayload
        @Option(help: "ongoing, contained or recovered.") var status = Components.Schemas.NewCase.StatusPayload.ongoing
        @Option(help: "When it was first seen (RFC 3339 UTC with milliseconds); default now.") var firstSeen: String?
        @Option(help: "The case's TLP 2.0 label: clear, green, amber, amber+strict or red.") var tlp = Components.Schemas.NewCase.TlpPayload.amber
        @Flag(help: "Mark the case as an exercise on every node.") var exercise = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = Components.Schemas.NewCase(
                title: title,
                summary: summary,
                sectors: sectors,
                impact: impact,
                firstSeen: firstSeen,
                status: status,
                tlp: tlp,
                exercise: exercise
            )
            let opened = try await connection.client().call { try await $0.openCase(body: .json(report)).created.body.json }
            if json { printAnswer(opened) } else { print(opened.id) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cases this node takes part in.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let cases = try await connection.client().call { try await $0.listCases().ok.body.json }
            printRows(cases, json: json) {
                [
                    $0.id, $0.stage?.rawValue ?? "waiting", $0.participants.joined(separator: ","), $0.overdue > 0 ? "\($0.overdue) OVERDUE" : "",
                    $0.title,
                ]
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a case: stage, participants, timeline and what is due.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let state = try await connection.client().incidentCase(id)
            if json { return printAnswer(state) }
            let summary = state.value1
            print("\(summary.title)\(summary.exercise ? "  [EXERCISE]" : "")")
            print("stage: \(summary.stage?.rawValue ?? "?")   TLP:\(summary.tlp.rawValue.uppercased())   owner: \(summary.owner ?? "?")")
            print("participants: \(summary.participants.joined(separator: ", "))")
            print("timeline:")
            for event in state.value2.timeline {
                let refusal = event.refusal.map { "  (no effect: \($0))" } ?? ""
                print("  \(event.at)  \(event.author)  \(event.kind.rawValue)  \(event.id)\(refusal)")
            }
            for item in state.value2.due { print("\(item.overdue ? "OVERDUE" : "due") \(item.dueBy): \(item.owedBy) — \(item.summary)") }
            print("next: \(state.value2.possibleActions.joined(separator: ", "))")
        }
    }

    struct Notify: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Invite participants and state the concern; they owe an acknowledgement.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "Participant ids, comma-separated (LVA,LTU).") var to: String
        @Option(help: "The message to them.") var message: String
        @Option(help: "Time to acknowledge, e.g. 30m, 2h, 1d.") var respondWithin = "2h"
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            (.notification, ["participants": participantList(to), "message": .string(message), "respondBy": .string(try dueTime(respondWithin))])
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge the notifications of a case addressed to this node.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String

        func run() async throws {
            let client = try connection.client()
            let me = try await client.nodeID()
            let pending = try await client.incidentCase(id).value2.due.filter { $0.kind == .acknowledgement && $0.owedBy == me }
            guard !pending.isEmpty else { throw ExitError("No notification of this case awaits this node's acknowledgement.") }
            for item in pending {
                print(try await client.record(.acknowledgement, ["notification": .string(item.event)], in: id).id)
            }
        }
    }

    struct Request: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Ask participants for information or assistance, by a due time.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "Participant ids, comma-separated.") var to: String
        @Option(help: "What is asked, comma-separated: \(Ask.allCases.map(\.rawValue).joined(separator: ", ")).") var ask: String
        @Option(help: "Details of the request.") var details: String
        @Option(help: "Time to answer, e.g. 4h, 1d.") var dueWithin = "24h"
        @Option(help: "Which desk is expected to answer: technical or diplomatic (escalation goes to the other).") var desk = "technical"
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            (
                .request,
                [
                    "to": participantList(to), "asks": list(ask), "details": .string(details), "dueBy": .string(try dueTime(dueWithin)),
                    "desk": .string(desk),
                ]
            )
        }
    }

    struct Respond: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Answer a request: accepted, declined or partial, with content.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Argument(help: "The request's event id.") var request: String
        @Option(help: "accepted, declined or partial.") var decision: String
        @Option(help: "The answer.") var content = ""
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            (.response, ["request": .string(request), "decision": .string(decision), "content": .string(content)])
        }
    }

    struct Evidence: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Share evidence: files by SHA-256 and indicators, under a TLP label.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "What the evidence shows.") var description: String
        @Option(name: .customLong("file"), help: "A file, NAME=SHA256 (repeatable); the file itself travels out of band.") var files: [String] = []
        @Option(name: .customLong("indicator"), help: "An indicator, TYPE=VALUE, e.g. ipv4-addr=198.51.100.7 (repeatable).") var indicators:
            [String] = []
        @Option(help: "TLP 2.0 label of the evidence.") var tlp = "amber"
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            let files = try pairs(self.files, "--file NAME=SHA256").map {
                ["name": .string($0), "sha256": .string($1), "tlp": .string(tlp)] as JSONValue
            }
            let indicators = try pairs(self.indicators, "--indicator TYPE=VALUE").map { ["type": .string($0), "value": .string($1)] as JSONValue }
            return (.evidence, ["description": .string(description), "files": .array(files), "indicators": .array(indicators), "tlp": .string(tlp)])
        }
    }

    struct Consult: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Record a consultation held: with whom, minutes, outcome.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "Participant ids, comma-separated.") var with: String
        @Option(help: "The minutes.") var minutes: String
        @Option(help: "What was agreed.") var outcome: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            (
                .consultation,
                [
                    "with": participantList(with), "heldAt": .string(Timestamp.format(Date())), "minutes": .string(minutes),
                    "outcome": .string(outcome),
                ]
            )
        }
    }

    struct Refer: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Refer the case to a multilateral forum.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "The forum, e.g. \"OSCE Permanent Council\".") var forum: String
        @Option(help: "Why, and what is sought.") var reason: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) { (.referral, ["forum": .string(forum), "reason": .string(reason)]) }
    }

    struct Attribute: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Record an attribution assessment in ICD 203 estimative language.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "state, state-linked-group or unknown.") var actorKind: String
        @Option(help: "The state's or group's name (none if unknown).") var actorName = ""
        @Option(help: "Basis, comma-separated: technical, intelligence, political-context.") var basis: String
        @Option(help: "\(Likelihood.allCases.map(\.rawValue).joined(separator: ", ")).") var likelihood: String
        @Option(help: "low, moderate or high.") var confidence: String
        @Option(help: "The assessment.") var summary: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            (
                .attribution,
                [
                    "actor": ["kind": .string(actorKind), "name": .string(actorName)], "basis": list(basis),
                    "likelihood": .string(likelihood), "confidence": .string(confidence), "summary": .string(summary),
                ]
            )
        }
    }

    struct Statement: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Propose a joint statement; this node signs it first.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "The statement's title.") var title: String
        @Option(help: "The statement's text.") var text: String
        @Option(help: "The attribution assessment's event id it endorses.") var attribution: String?
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            var body: [String: JSONValue] = ["title": .string(title), "text": .string(text)]
            if let attribution { body["attribution"] = .string(attribution) }
            return (.statement, .object(body))
        }
    }

    struct Cosign: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Co-sign a proposed joint statement with this node's key.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Argument(help: "The statement's event id.") var statement: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) { (.cosignature, ["statement": .string(statement)]) }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a co-signed joint statement to a file anyone can check with `entente verify`."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Argument(help: "The statement's event id.") var statement: String
        @Option(name: .shortAndLong, help: "The file to write; its offline proof goes beside it, as FILE.tlog-proof.") var output: String
        @Option(help: "Seconds to wait for the statement to be logged and witnessed (0: write no proof).") var proofWait = 15

        func run() async throws {
            let client = try connection.client()
            let document = try await client.call {
                try await $0.exportJointStatement(path: .init(_case: id, statement: statement)).ok.body.json
            }
            let signers = document.signatures.map(\.participant).joined(separator: ", ")
            try await client.saveExport(try answerBytes(document), to: output, summary: "Wrote \(output), signed by \(signers)", proofWait: proofWait)
        }
    }

    struct Resolve: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Record the case's resolution (the owner only).")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "What was agreed or achieved.") var outcome: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) { (.resolution, ["outcome": .string(outcome)]) }
    }

    struct FollowUp: CaseStep {
        static let configuration = CommandConfiguration(commandName: "follow-up", abstract: "Agree a follow-up action with its owner and due date.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "A short id for the action, e.g. training.") var actionID: String
        @Option(help: "The participant who owns it.") var owner: String
        @Option(help: "What is to be done.") var text: String
        @Option(help: "Time to do it, e.g. 30d.") var dueWithin = "30d"
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            (
                .followUp,
                ["actions": [["id": .string(actionID), "action": .string(text), "owner": .string(owner), "dueBy": .string(try dueTime(dueWithin))]]]
            )
        }
    }

    struct Done: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Mark a follow-up action of this node's as done.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Argument(help: "The action's id.") var action: String
        @Option(help: "A note on what was done.") var note = ""
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) { (.followUpDone, ["action": .string(action), "note": .string(note)]) }
    }

    struct Close: CaseStep {
        static let configuration = CommandConfiguration(abstract: "Close the case with its outcome (the owner only, once follow-up is done).")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "The case's outcome.") var outcome: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) { (.closure, ["outcome": .string(outcome)]) }
    }

    struct Record: CaseStep {
        static let configuration = CommandConfiguration(
            abstract: "Record any step from its JSON body (docs/PROTOCOL.md, \"Case events\"), for scripts."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The case id.") var id: String
        @Option(help: "The event kind: \(CaseAction.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: String
        @Option(help: "The event body as JSON, or @FILE.") var body: String
        @Flag(help: "Print JSON.") var json = false

        func step() throws -> (CaseAction.Kind, JSONValue) {
            guard let kind = CaseAction.Kind(rawValue: kind) else { throw ValidationError("unknown kind \(kind)") }
            let text = body.hasPrefix("@") ? try String(contentsOfFile: String(body.dropFirst()), encoding: .utf8) : body
            do { return (kind, try JSONValue(parsing: Array(text.utf8))) } catch { throw ValidationError("--body is not JSON: \(error)") }
        }
    }
}

/// A case command that records one event: builds its body, posts it, prints the new event's id.
protocol CaseStep: AsyncParsableCommand {
    var connection: NodeConnectionOptions { get }
    var id: String { get }
    var json: Bool { get }
    func step() throws -> (CaseAction.Kind, JSONValue)
}

extension CaseStep {
    func run() async throws {
        let (kind, body) = try step()
        let event = try await connection.client().record(kind, body, in: id)
        if json { printAnswer(event) } else { print(event.id) }
    }
}

extension NodeAPIClient {
    func incidentCase(_ id: String) async throws -> Components.Schemas.Case {
        try await call { try await $0.getCase(path: .init(_case: id)).ok.body.json }
    }

    /// Records one step of a case as this node; answers the signed event.
    func record(_ kind: CaseAction.Kind, _ body: JSONValue, in caseID: String) async throws -> Components.Schemas.CaseEvent {
        guard let documented = Components.Schemas.NewCaseEvent.KindPayload(rawValue: kind.rawValue) else {
            throw ExitError("the node's API document has no case event kind \(kind.rawValue)")
        }
        let event = Components.Schemas.NewCaseEvent(kind: documented, body: try OpenAPIObjectContainer(body))
        return try await call { try await $0.recordCaseEvent(path: .init(_case: caseID), body: .json(event)).created.body.json }
    }
}

extension Components.Schemas.NewCase.SectorsPayloadPayload: ExpressibleByArgument {}
extension Components.Schemas.NewCase.ImpactPayload: ExpressibleByArgument {}
extension Components.Schemas.NewCase.StatusPayload: ExpressibleByArgument {}
extension Components.Schemas.NewCase.TlpPayload: ExpressibleByArgument {}

func list(_ text: String) -> JSONValue {
    .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
}

func participantList(_ text: String) -> JSONValue { .array(participants(text).map(JSONValue.string)) }

/// Participant ids typed comma-separated, as the API takes them (upper case).
func participants(_ text: String) -> [String] {
    text.uppercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

func pairs(_ values: [String], _ form: String) throws -> [(String, String)] {
    try values.map { value in
        guard let separator = value.firstIndex(of: "=") else { throw ValidationError("expected \(form), got \(value)") }
        return (String(value[..<separator]), String(value[value.index(after: separator)...]))
    }
}

/// `30m`, `2h`, `7d` from now, as a wire timestamp.
func dueTime(_ text: String) throws -> String {
    guard let due = DueWithin.timestamp(text, from: Date()) else { throw ValidationError("expected a duration such as 30m, 2h or 7d, got \(text)") }
    return due
}
