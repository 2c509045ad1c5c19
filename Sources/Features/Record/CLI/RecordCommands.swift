import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral

/// A command that writes one entry of the multilateral record through the node's API
/// (`POST /api/v1/record`) and prints the new entry's id, or the entry as JSON.
protocol RecordWrite: AsyncParsableCommand {
    var connection: NodeConnectionOptions { get }
    var json: Bool { get }
    func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue)
}

extension RecordWrite {
    func run() async throws {
        let client = try connection.client()
        let (kind, space, body) = try await entry(client)
        var request: [String: JSONValue] = ["kind": .string(kind.rawValue), "body": body]
        if let space { request["space"] = .string(space) }
        let written = try await client.post("record", .object(request))
        if json { printJSON(written) } else { print(written["id"]?.stringValue ?? "") }
    }
}

/// `--text` given inline, or `@FILE` to read it from a file.
func textArgument(_ value: String) throws -> String {
    guard value.hasPrefix("@") else { return value }
    let path = String(value.dropFirst())
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return String(decoding: data, as: UTF8.self)
}

// MARK: Forums

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
            printRows(try await connection.client().get("forums"), columns: ["id", "host", "name"], json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a forum: proposals, versions, amendments, votes and tallies.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The forum id.") var forum: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let state = try await connection.client().get("forums/\(forum)")
            if json { return printJSON(state) }
            print(
                "\(state["name"]?.stringValue ?? "")  chair \(state["host"]?.stringValue ?? "")  members \((state["members"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))"
            )
            for proposal in state["proposals"]?.arrayValue ?? [] {
                print(
                    "\nproposal \(proposal["id"]?.stringValue ?? "")  “\(proposal["title"]?.stringValue ?? "")”  version \(proposal["currentVersion"]?.integerValue ?? 0)"
                )
                for amendment in proposal["amendments"]?.arrayValue ?? [] {
                    print(
                        "  amendment \(amendment["id"]?.stringValue ?? "") by \(amendment["by"]?.stringValue ?? ""): \(amendment["status"]?.stringValue ?? "")"
                    )
                }
                if let vote = proposal["vote"] {
                    let tally = vote["tally"]
                    print(
                        "  vote \(vote["call"]?.stringValue ?? "") \(vote["rule"]?["method"]?.stringValue ?? "") until \(vote["deadline"]?.stringValue ?? "")"
                            + (vote["open"]?.boolValue == true ? " (open)" : "")
                    )
                    print(
                        "  yes \(tally?["yes"]?.integerValue ?? 0)  no \(tally?["no"]?.integerValue ?? 0)  abstain \(tally?["abstain"]?.integerValue ?? 0)"
                            + "  objections \(tally?["objections"]?.integerValue ?? 0)  → \(vote["result"]?["outcome"]?.stringValue ?? "provisional: " + (tally?["outcome"]?.stringValue ?? ""))"
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
            let state = try await client.get("forums/\(forum)")
            guard let current = state["proposals"]?.arrayValue?.first(where: { $0["id"]?.stringValue == proposal })?["currentVersion"] else {
                throw ExitError("no proposal \(proposal) in forum \(forum)")
            }
            return (
                .amendment, "forum:\(forum)",
                ["proposal": .string(proposal), "baseVersion": current, "text": .string(try textArgument(text)), "rationale": .string(rationale)]
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
            let state = try await client.get("forums/\(forum)")
            guard let record = state["proposals"]?.arrayValue?.first(where: { $0["id"]?.stringValue == proposal }),
                let version = record["currentVersion"],
                let digest = record["versions"]?.arrayValue?.first(where: { $0["number"] == version })?["digest"]
            else { throw ExitError("no proposal \(proposal) in forum \(forum)") }
            return (
                .voteCall, "forum:\(forum)",
                [
                    "proposal": .string(proposal), "version": version, "textDigest": digest,
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
        @Option(name: .shortAndLong, help: "Where to write the file.") var output: String

        func run() async throws {
            // The result is canonical JSON: its canonical form is the file, byte for byte.
            let bytes = try await connection.client().get("forums/\(forum)/results/\(call)").canonicalBytes
            do { try Data(bytes).write(to: URL(fileURLWithPath: output)) } catch {
                throw ExitError("cannot write \(output): \(error.localizedDescription)")
            }
            print(output)
        }
    }
}

// MARK: Agreements

struct Agreement: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Agreements signed by each party's node, with obligations that set hotline deadlines between the parties.",
        subcommands: [Propose.self, Sign.self, List.self]
    )

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose an agreement and sign it as this node; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A title.") var title: String
        @Option(help: "The text, or @FILE.") var text: String
        @Option(help: "The other parties, comma-separated.") var parties: String
        @Option(name: .customLong("acknowledge"), help: "An acknowledgement obligation PRIORITY=DURATION, e.g. urgent=30m (repeatable).")
        var acknowledgements: [String] = []
        @Option(help: "Notify incidents affecting the other's critical infrastructure within this long, e.g. 24h.") var notifyWithin: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = try connection.client()
            let me = try await client.get("node")["id"] ?? .null
            var obligations: [JSONValue] = try pairs(acknowledgements, "--acknowledge PRIORITY=DURATION").map { priority, duration in
                [
                    "kind": "acknowledge", "priority": .string(priority), "withinSeconds": .number(Double(try seconds(duration))),
                    "description": .string("acknowledge \(priority) within \(duration)"),
                ]
            }
            if let notifyWithin {
                obligations.append([
                    "kind": "notify-incident", "withinSeconds": .number(Double(try seconds(notifyWithin))),
                    "description": .string("notify within \(notifyWithin)"),
                ])
            }
            let body: JSONValue = [
                "title": .string(title), "text": .string(try textArgument(text)),
                "parties": .array([me] + (participantList(parties).arrayValue ?? [])), "obligations": .array(obligations),
            ]
            let written = try await client.post("record", ["kind": "agreement", "body": body])
            guard let id = written["id"]?.stringValue else { throw ExitError("the node returned no id") }
            _ = try await client.post("record", ["kind": "agreement-signature", "space": .string("agreement:\(id)"), "body": [:]])
            if json { printJSON(try await client.get("agreements/\(id)")) } else { print(id) }
        }
    }

    struct Sign: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Sign an agreement this node is a party to.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The agreement id.") var agreement: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.agreementSignature, "agreement:\(agreement)", [:])
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agreements: parties, signatures, whether in force.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let agreements = try await connection.client().get("agreements")
            if json { return printJSON(agreements) }
            for agreement in agreements.arrayValue ?? [] {
                let parties = (agreement["parties"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                print(
                    [
                        agreement["id"]?.stringValue ?? "", agreement["inForce"]?.boolValue == true ? "in force" : "awaiting signatures", parties,
                        agreement["title"]?.stringValue ?? "",
                    ].joined(separator: "\t")
                )
            }
        }
    }
}

/// `90s`, `30m`, `2h`, `1d` as seconds.
func seconds(_ text: String) throws -> Int {
    let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    guard let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count > 0 else {
        throw ValidationError("expected a duration such as 90s, 30m, 2h or 1d, got \(text)")
    }
    return count * unit
}

// MARK: Norms, CBMs, capacity building

struct Norms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norms",
        abstract: "The norms catalogue and matrix: commitments and cases alleging breaches.",
        subcommands: [Matrix.self, Commit.self, Allege.self, Add.self]
    )

    struct Matrix: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print participants × norms: ✓ committed, !N alleged breaches.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let norms = try await connection.client().get("norms")
            if json { return printJSON(norms) }
            let codes = (norms["norms"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
            print((["participant"] + codes).joined(separator: "\t"))
            for row in norms["matrix"]?.arrayValue ?? [] {
                let cells = codes.map { code -> String in
                    guard let cell = row["norms"]?[code] else { return "" }
                    let breaches = cell["allegedBreaches"]?.arrayValue?.count ?? 0
                    return (cell["committed"] != nil ? "✓" : "") + (breaches > 0 ? "!\(breaches)" : "")
                }
                print(([row["participant"]?.stringValue ?? ""] + cells).joined(separator: "\t"))
            }
        }
    }

    struct Commit: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Record this node's commitment to a norm.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The norm's code, e.g. gge2015-13f or paris-4.") var norm: String
        @Option(help: "Since when, YYYY-MM-DD.") var date: String
        @Option(help: "By which document.") var document: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.commitment, "public", ["norm": .string(norm), "date": .string(date), "document": .string(document)])
        }
    }

    struct Allege: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Link a case to a norm it allegedly breaches.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The norm's code.") var norm: String
        @Option(name: .customLong("case"), help: "The case id.") var caseReference: String
        @Option(help: "Who allegedly breached it: a participant id or an actor.") var against: String
        @Option(help: "A note.") var note = ""
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (
                .allegation, "public",
                ["norm": .string(norm), "caseReference": .string(caseReference), "against": .string(against), "note": .string(note)]
            )
        }
    }

    struct Add: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Add a regional or bilateral norm to the catalogue.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "A code: lowercase letters, digits, hyphens.") var code: String
        @Option(help: "A title.") var title: String
        @Option(help: "The text.") var text: String
        @Option(help: "Its source document.") var source: String
        @Option(help: "regional or bilateral.") var scope = "regional"
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (
                .norm, "public",
                ["code": .string(code), "title": .string(title), "text": .string(text), "source": .string(source), "scope": .string(scope)]
            )
        }
    }
}

struct CBM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbm",
        abstract: "The OSCE's sixteen cyber/ICT confidence-building measures and each participant's implementation.",
        subcommands: [List.self, Status.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each measure with each participant's status.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = try await connection.client().get("cbms")
            if json { return printJSON(report) }
            let rows = report["status"]?.arrayValue ?? []
            print((["#", "measure"] + rows.compactMap { $0["participant"]?.stringValue }).joined(separator: "\t"))
            for measure in report["measures"]?.arrayValue ?? [] {
                let number = measure["number"]?.integerValue ?? 0
                print(
                    (["\(number)", measure["title"]?.stringValue ?? ""] + rows.map { $0["measures"]?["\(number)"]?["status"]?.stringValue ?? "—" })
                        .joined(separator: "\t")
                )
            }
            for check in report["pointsOfContactChecks"]?.arrayValue ?? [] {
                print(
                    "measure 8 check with \(check["participant"]?.stringValue ?? ""): \(check["answered"]?.integerValue ?? 0) of \(check["checks"]?.integerValue ?? 0) answered"
                )
            }
        }
    }

    struct Status: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Record this node's implementation of a measure, with evidence.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The measure, 1 to 16.") var measure: Int
        @Argument(help: "not-started, planned, in-progress or implemented.") var status: String
        @Option(help: "What shows it (required for implemented).") var evidence = ""
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.cbmStatus, "public", ["measure": .number(Double(measure)), "status": .string(status), "evidence": .string(evidence)])
        }
    }
}

struct Capacity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capacity building: requests and offers, matched and tracked to completion.",
        discussion:
            "Topics: \(CapacityTopic.allCases.map(\.rawValue).joined(separator: ", ")). Regions: \(Region.allCases.map(\.rawValue).joined(separator: ", ")).",
        subcommands: [List.self, Request.self, Offer.self, Match.self, Progress.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print requests with suggested offers, offers and matches.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let board = try await connection.client().get("capacity")
            if json { return printJSON(board) }
            for request in board["requests"]?.arrayValue ?? [] {
                print(
                    "request \(request["id"]?.stringValue ?? "") by \(request["by"]?.stringValue ?? ""): \(request["topic"]?.stringValue ?? "") in \(request["region"]?.stringValue ?? "")"
                )
                for suggestion in request["suggestedOffers"]?.arrayValue ?? [] {
                    print("  fits offer \(suggestion["offer"]?.stringValue ?? "") (fit \(suggestion["fit"]?.integerValue ?? 0))")
                }
            }
            for match in board["matches"]?.arrayValue ?? [] {
                print(
                    "match \(match["id"]?.stringValue ?? ""): \(match["requester"]?.stringValue ?? "") ← \(match["offerer"]?.stringValue ?? "")  \(match["status"]?.stringValue ?? "")"
                )
            }
        }
    }

    struct Request: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Ask for help on one topic.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The topic.") var topic: String
        @Option(help: "The region.") var region: String
        @Option(help: "Language tags, comma-separated.") var languages = "en"
        @Option(help: "in-person, remote or hybrid.") var format = "remote"
        @Option(help: "funded (you need funding) or self-funded.") var funding = "self-funded"
        @Option(help: "What is needed.") var description: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (
                .capacityRequest, "public",
                [
                    "topic": .string(topic), "region": .string(region), "languages": list(languages), "format": .string(format),
                    "funding": .string(funding), "description": .string(description),
                ]
            )
        }
    }

    struct Offer: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Offer help on some topics, regions, languages and formats.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "Topics, comma-separated.") var topics: String
        @Option(help: "Regions, comma-separated (global covers all).") var regions: String
        @Option(help: "Language tags, comma-separated.") var languages = "en"
        @Option(help: "Formats, comma-separated.") var formats = "remote"
        @Option(help: "funded (the offer brings funding) or self-funded.") var funding = "funded"
        @Option(help: "What is offered.") var description: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (
                .capacityOffer, "public",
                [
                    "topics": list(topics), "regions": list(regions), "languages": list(languages), "formats": list(formats),
                    "funding": .string(funding), "description": .string(description),
                ]
            )
        }
    }

    struct Match: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Propose to pair a request with an offer (requester or offerer).")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The request id.") var request: String
        @Argument(help: "The offer id.") var offer: String
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.capacityMatch, "public", ["request": .string(request), "offer": .string(offer)])
        }
    }

    struct Progress: RecordWrite {
        static let configuration = CommandConfiguration(abstract: "Move a match on: agreed (by the other side), in-progress, completed or withdrawn.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The match id.") var match: String
        @Argument(help: "agreed, in-progress, completed or withdrawn.") var status: String
        @Option(help: "A note.") var note = ""
        @Flag(help: "Print JSON.") var json = false

        func entry(_ client: NodeAPIClient) async throws -> (kind: RecordKind, space: String?, body: JSONValue) {
            (.capacityProgress, "public", ["match": .string(match), "status": .string(status), "note": .string(note)])
        }
    }
}

// MARK: Drills

struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Joint exercises: timed injects through the hotline, marked as exercise, and the after-action report.",
        subcommands: [Create.self, List.self, Report.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Schedule a drill; prints its id.")
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The drill's name.") var name: String
        @Option(help: "Start after this long, e.g. 0s, 10m.") var startIn = "0s"
        @Option(
            name: .customLong("inject"),
            help: "An inject, OFFSET|RECIPIENTS|PRIORITY|SUBJECT|BODY, e.g. '5m|EST,LVA|urgent|Grid intrusion|Acknowledge.' (repeatable)."
        )
        var injects: [String]
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let parsed: [JSONValue] = try injects.map { text in
                let parts = text.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 4 else { throw ValidationError("an inject is OFFSET|RECIPIENTS|PRIORITY|SUBJECT|BODY, got \(text)") }
                return [
                    "offsetSeconds": .number(Double(try parts[0] == "0" ? 0 : seconds(parts[0]))), "to": participantList(parts[1]),
                    "priority": .string(parts[2]),
                    "subject": .string(parts[3]), "body": .string(parts.count > 4 ? parts[4] : ""),
                ]
            }
            let start = startIn == "0s" || startIn == "0" ? 0 : try seconds(startIn)
            let drill = try await connection.client().post(
                "drills",
                ["scenario": ["name": .string(name), "injects": .array(parsed)], "startInSeconds": .number(Double(start))]
            )
            if json { printJSON(drill) } else { print(drill["id"]?.stringValue ?? "") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List drills with how many injects went out and were answered.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let drills = try await connection.client().get("drills")
            if json { return printJSON(drills) }
            for drill in drills.arrayValue ?? [] {
                print(
                    [
                        drill["id"]?.stringValue ?? "", drill["startAt"]?.stringValue ?? "", "sent \(drill["sent"]?.integerValue ?? 0)",
                        "answered \(drill["answered"]?.integerValue ?? 0)", drill["name"]?.stringValue ?? "",
                    ].joined(separator: "\t")
                )
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The after-action report: each inject at each participant and response times.")
        @OptionGroup var connection: NodeConnectionOptions
        @Argument(help: "The drill id.") var drill: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = try await connection.client().get("drills/\(drill)")
            if json { return printJSON(report) }
            print("\(report["name"]?.stringValue ?? "")  [EXERCISE]  started \(report["startAt"]?.stringValue ?? "")")
            for row in report["deliveries"]?.arrayValue ?? [] {
                let response = if case .number(let seconds)? = row["responseSeconds"] { "\(Int(seconds.rounded())) s" } else { "unanswered" }
                print(
                    "inject \(row["inject"]?.integerValue ?? 0) → \(row["recipient"]?.stringValue ?? "")  sent \(row["sentAt"]?.stringValue ?? "pending")  response \(response)"
                )
            }
            for summary in report["participants"]?.arrayValue ?? [] {
                print(
                    "\(summary["participant"]?.stringValue ?? ""): answered \(summary["answered"]?.integerValue ?? 0)/\(summary["injects"]?.integerValue ?? 0), in time \(summary["answeredInTime"]?.integerValue ?? 0)"
                )
            }
        }
    }
}
