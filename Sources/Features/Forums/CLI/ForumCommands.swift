import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral
import NodeAPI

struct Forum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forums: table texts, amend them, vote under a decision rule, publish verifiable results.",
        discussion: """
            The node that opens a forum chairs it: it decides on amendments, calls votes and publishes results.
            Decision rules: silence (adopted unless a member objects before the deadline), simple-majority and
            two-thirds, each with a quorum (percent of members casting a ballot) and a rule for abstentions.
            """,
        subcommands: [Open.self, List.self, Show.self, Propose.self, Amend.self, Decide.self, Call.self, Vote.self, Publish.self, Result.self]
    )

    struct Open: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Open a forum chaired by this node; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The forum's name.") var name: String
        @Option(help: "Its mandate.") var mandate = ""
        @Option(help: "Member participant ids, comma-separated.") var members: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.forum, nil, ["name": .string(name), "mandate": .string(mandate), "members": participantList(members)])
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the forums this node chairs or belongs to.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let forums = try await connection.client().call { try await $0.listForums().ok.body.json }
            printRows(forums, json: json) { [$0.id, $0.host, $0.name] }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a forum: proposals, versions, amendments, votes and tallies.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let state = try await connection.client().forum(forum)
            if json { return printAnswer(state) }
            print("\(state.name)  chair \(state.host)  members \(state.members.joined(separator: ", "))")
            for proposal in state.proposals {
                print("\nproposal \(proposal.id)  “\(proposal.title)”  version \(proposal.currentVersion)")
                for amendment in proposal.amendments { print("  amendment \(amendment.id) by \(amendment.by): \(amendment.status.rawValue)") }
                if let vote = proposal.vote {
                    let tally = vote.tally
                    print("  vote \(vote.call) \(vote.rule.method.rawValue) until \(vote.deadline)" + (vote.open ? " (open)" : ""))
                    print(
                        "  yes \(tally.yes)  no \(tally.no)  abstain \(tally.abstain)  objections \(tally.objections)"
                            + "  → \(vote.result?.outcome ?? "provisional: " + tally.outcome.rawValue)"
                    )
                }
            }
        }
    }

    struct Propose: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Table a proposal: a statement, a norm, an agreement's text.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Option(help: "A short title.") var title: String
        @Option(help: "statement, norm, agreement or other.") var category = "statement"
        @Option(help: "The text, or @FILE.") var text: String
        @Option(name: .customLong("case"), help: "The case a statement is about.") var caseReference: String?
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            var body: [String: JSONValue] = ["title": .string(title), "category": .string(category), "text": .string(try textArgument(text))]
            if let caseReference { body["caseReference"] = .string(caseReference) }
            return (.proposal, "forum:\(forum)", .object(body))
        }
    }

    struct Amend: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Propose a new text for a proposal's current version.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Argument(help: "The proposal id.") var proposal: String
        @Option(help: "The whole new text, or @FILE.") var text: String
        @Option(help: "Why.") var rationale = ""
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            guard let current = try await client.forum(forum).proposals.first(where: { $0.id == proposal }) else {
                throw ExitError("no proposal \(proposal) in forum \(forum)")
            }
            return (
                .amendment, "forum:\(forum)",
                [
                    "proposal": .string(proposal), "baseVersion": .number(Double(current.currentVersion)), "text": .string(try textArgument(text)),
                    "rationale": .string(rationale),
                ]
            )
        }
    }

    struct Decide: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "As chair, accept or reject an amendment.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Argument(help: "The amendment id.") var amendment: String
        @Flag(help: "Accept it (its text becomes the next version).") var accept = false
        @Flag(help: "Reject it.") var reject = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws { guard accept != reject else { throw ValidationError("give exactly one of --accept or --reject") } }

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.amendmentDecision, "forum:\(forum)", ["amendment": .string(amendment), "accepted": .bool(accept)])
        }
    }

    struct Call: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "As chair, put a proposal's current text to a decision.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Argument(help: "The proposal id.") var proposal: String
        @Option(help: "silence, simple-majority or two-thirds.") var rule = "silence"
        @Option(help: "Quorum: percent of members casting a ballot (0 for silence).") var quorum = 0
        @Option(help: "not-counted or counted-against.") var abstentions = "not-counted"
        @Option(help: "How long the vote is open, e.g. 30m, 2h, 7d.") var open = "1d"
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            guard let record = try await client.forum(forum).proposals.first(where: { $0.id == proposal }),
                let current = record.versions.first(where: { $0.number == record.currentVersion })
            else { throw ExitError("no proposal \(proposal) in forum \(forum)") }
            return (
                .voteCall, "forum:\(forum)",
                [
                    "proposal": .string(proposal), "version": .number(Double(current.number)), "textDigest": .string(current.digest),
                    "rule": ["method": .string(rule), "quorumPercent": .number(Double(quorum)), "abstentions": .string(abstentions)],
                    "deadline": .string(try dueTime(open)),
                ]
            )
        }
    }

    struct Vote: RecordWrite {
        static let configuration = CommandConfiguration(
            abstract: "Cast this node's signed ballot: yes, no, abstain, or objection (breaking silence)."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Argument(help: "The vote (call) id.") var call: String
        @Argument(help: "yes, no, abstain or objection.") var choice: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.ballot, "forum:\(forum)", ["call": .string(call), "choice": .string(choice)])
        }
    }

    struct Publish: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "As chair, publish a vote's result after its deadline, with every signed ballot.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Argument(help: "The vote (call) id.") var call: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.result, "forum:\(forum)", ["call": .string(call)])
        }
    }

    struct Result: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save a published result for offline verification (entente verify FILE).")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Argument(help: "The vote (call) id.") var call: String
        @Option(name: .shortAndLong, help: "Where to write the file; its offline proof goes beside it, as FILE.tlog-proof.") var output: String
        @Option(help: "Seconds to wait for the result to be logged and witnessed (0: write no proof).") var proofWait = 15

        func run() async throws {
            // The result is canonical JSON: its canonical form is the file, byte for byte.
            let client = try connection.client()
            let result = try await client.call {
                try await $0.downloadVoteResult(path: .init(forum: forum, call: call)).ok.body.json
            }
            try await client.saveExport(try answerBytes(result), to: output, summary: output, proofWait: proofWait)
        }
    }
}

extension NodeAPIClient {
    func forum(_ id: String) async throws -> Components.Schemas.Forum {
        try await call { try await $0.showForum(path: .init(forum: id)).ok.body.json }
    }
}
