import EntenteProtocol
import Foundation
import Hummingbird
import Multilateral
import WebInterface

/// The forum pages: the list with an opening form, and one page per forum with each
/// proposal's versions and their differences, amendments, the vote and its result.
struct ForumsWebRoutes: WebPage {
    let records: RecordService
    let site: Site

    func register(on web: RouterGroup<NodeRequestContext>) {
        web.get("forums") { _, context in try await self.forumList(context, error: nil) }
        web.post("forums") { request, context in try await self.openForum(request, context) }
        web.get("forums/:forum") { _, context in try await self.forumPage(try self.recordID(context, "forum"), context, error: nil) }
        web.post("forums/:forum/entries") { request, context in try await self.writeForumEntry(request, context) }
        web.get("forums/:forum/results/:call") { _, context in try await self.downloadResult(context) }
    }

    func forumList(
        _ context: NodeRequestContext,
        typed: CharterForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let forums = try await records.forums().map { forum in
            ForumListPage.Row(
                id: forum.id,
                name: forum.name,
                host: forum.host?.rawValue ?? "",
                members: forum.members.map(\.rawValue).joined(separator: ", "),
                proposals: forum.proposals.count,
                openVotes: forum.proposals.filter { $0.call != nil && $0.result == nil }.count
            )
        }
        let page = ForumListPage(
            forums: forums,
            hasForums: !forums.isEmpty,
            participants: await records.participants().map { Option(value: $0.rawValue, selected: typed?.member?.contains($0.rawValue) ?? false) },
            typed: typed,
            error: error
        )
        return render(page, context, status: status)
    }

    func openForum(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let typed = try await form(CharterForm.self, request)
        do {
            let charter = ForumCharter(
                name: typed.name ?? "",
                mandate: typed.mandate ?? "",
                members: (typed.member ?? []).compactMap(ParticipantID.init)
            )
            let entry = try await records.write(.forum, body: try charter.json, in: nil, by: person(context))
            return redirect("/forums/\(entry.id)")
        } catch let failure as ServiceFailure {
            return try await forumList(context, typed: typed, error: failure.description, status: .unprocessableContent)
        }
    }

    func forumPage(
        _ id: String,
        _ context: NodeRequestContext,
        typed: ForumEntryForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let forum: ForumState
        do { forum = try await records.forum(id) } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No such forum", failure.description)
        }
        let me = records.identity.id
        let canWrite = context.principal?.role.canWrite ?? false
        let isChair = forum.host == me && canWrite
        let isMember = forum.members.contains(me) && canWrite
        let now = Date()
        let proposals = forum.proposals.map { proposal in
            let versions = proposal.versions.reversed().map { version in
                let previous = proposal.versions.first { $0.number == version.number - 1 }
                let runs = previous.map { TextDiff.runs(from: $0.text, to: version.text) } ?? []
                return ForumPage.Version(
                    number: version.number,
                    text: version.text,
                    digest: version.digest,
                    by: version.source.author.rawValue,
                    at: displayWire(version.source.at),
                    hasDiff: previous != nil,
                    diff: runs.map {
                        ForumPage.Run(text: $0.text, same: $0.change == .same, added: $0.change == .added, removed: $0.change == .removed)
                    }
                )
            }
            let open = proposal.call == nil
            var vote: ForumPage.Vote?
            if let call = proposal.call, let tally = proposal.tally(members: forum.members) {
                let isOpen = now.unixMilliseconds <= call.call.deadlineMilliseconds
                let voted = proposal.ballots.contains { $0.author == me }
                vote = ForumPage.Vote(
                    call: call.entry.id,
                    method: call.call.rule.method.label,
                    quorumPercent: call.call.rule.quorumPercent,
                    abstentions: call.call.rule.abstentions.label,
                    deadline: displayWire(call.call.deadline),
                    version: call.call.version,
                    isOpen: isOpen,
                    canVote: isMember && records.speaking.allows(.recordEntry(.ballot), role: context.principal?.role) && isOpen && !voted,
                    voted: voted,
                    choices: call.call.rule.choices.map {
                        Option(value: $0.rawValue, label: $0 == .objection ? "Break silence (object)" : $0.rawValue.capitalized)
                    },
                    yes: tally.yes,
                    no: tally.no,
                    abstain: tally.abstain,
                    objections: tally.objections,
                    quorum: tally.quorum,
                    memberCount: forum.members.count,
                    participating: tally.participating,
                    outcome: isOpen ? "provisional: \(tally.outcome.label)" : tally.outcome.label,
                    ballots: proposal.ballots.map {
                        ForumPage.Ballot(voter: $0.author.rawValue, at: displayWire($0.at), choice: $0.body["choice"]?.stringValue ?? "")
                    },
                    hasBallots: !proposal.ballots.isEmpty,
                    refused: tally.refused.map { ForumPage.Refused(voter: $0.voter.rawValue, reason: $0.reason) },
                    hasRefused: !tally.refused.isEmpty,
                    canPublish: isChair && !isOpen && proposal.result == nil,
                    result: proposal.result.map { ForumPage.Result(outcome: $0.tally.outcome.label, at: displayWire($0.entry.at)) }
                )
            }
            let retried = typed?.proposal == proposal.id ? typed : nil
            return ForumPage.Proposal(
                id: proposal.id,
                title: proposal.proposal.title,
                category: proposal.proposal.category.rawValue,
                tabledBy: proposal.entry.author.rawValue,
                caseReference: proposal.proposal.caseReference,
                current: proposal.current.number,
                currentText: proposal.current.text,
                versions: versions,
                amendments: proposal.amendments.map { record in
                    ForumPage.Amendment(
                        id: record.entry.id,
                        by: record.entry.author.rawValue,
                        base: record.amendment.baseVersion,
                        text: record.amendment.text,
                        rationale: nonEmpty(record.amendment.rationale),
                        status: record.status.rawValue,
                        canDecide: isChair && open && record.status == .pending
                    )
                },
                canAmend: isMember && open,
                canCall: isChair && open,
                vote: vote,
                amendment: retried?.ifKind(.amendment),
                voteCall: retried?.ifKind(.voteCall)
            )
        }
        let tabling = typed?.ifKind(.proposal)
        let page = ForumPage(
            forum: ForumPage.Forum(
                id: forum.id,
                name: forum.name,
                mandate: nonEmpty(forum.charter?.mandate),
                host: forum.host?.rawValue ?? "",
                members: forum.members.map(\.rawValue).joined(separator: ", ")
            ),
            proposals: proposals,
            hasProposals: !proposals.isEmpty,
            canTable: isMember,
            categories: Proposal.Category.allCases.map { Option(value: $0.rawValue, selected: $0.rawValue == tabling?.category) },
            methods: DecisionMethod.allCases.map { Option(value: $0.rawValue, label: $0.label) },
            abstentionRules: AbstentionRule.allCases.map { Option(value: $0.rawValue, label: $0.label) },
            refusals: forum.refusals.map { ForumPage.Refusal(author: $0.entry.author.rawValue, kind: $0.entry.kind.rawValue, reason: $0.reason) },
            hasRefusals: !forum.refusals.isEmpty,
            tabling: tabling,
            error: error
        )
        return render(page, context, status: status)
    }

    /// Tabling, amending, deciding on amendments, calling, voting and publishing, by the form's `kind`.
    func writeForumEntry(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let id = try recordID(context, "forum")
        let form = try await self.form(ForumEntryForm.self, request)
        let space = RecordSpace.forum(id)
        do {
            switch form.kind ?? "" {
            case RecordKind.proposal.rawValue:
                let proposal = Proposal(
                    title: form.title ?? "",
                    category: try parse(Proposal.Category.self, form.category ?? "", "category"),
                    text: form.text ?? "",
                    caseReference: nonEmpty(form.caseReference)
                )
                try await records.write(.proposal, body: try proposal.json, in: space, by: person(context))
            case RecordKind.amendment.rawValue:
                let amendment = Amendment(
                    proposal: form.proposal ?? "",
                    baseVersion: Int(form.baseVersion ?? "") ?? 0,
                    text: form.text ?? "",
                    rationale: form.rationale ?? ""
                )
                try await records.write(.amendment, body: try amendment.json, in: space, by: person(context))
            case RecordKind.amendmentDecision.rawValue:
                try await records.write(
                    .amendmentDecision,
                    body: try AmendmentDecision(amendment: form.amendment ?? "", accepted: form.accepted == "1").json,
                    in: space,
                    by: person(context)
                )
            case RecordKind.voteCall.rawValue:
                let forum = try await records.forum(id)
                guard let proposal = forum.proposal(form.proposal ?? "") else { throw ServiceFailure.notFound("no such proposal") }
                guard let minutes = Int(form.minutes ?? ""), (1...(60 * 24 * 60)).contains(minutes) else {
                    throw ServiceFailure.invalid("the vote lasts 1 minute to 60 days")
                }
                let rule = DecisionRule(
                    method: try parse(DecisionMethod.self, form.method ?? "", "decision method"),
                    quorumPercent: Int(form.quorum ?? "") ?? 0,
                    abstentions: try parse(AbstentionRule.self, form.abstentions ?? "", "abstention rule")
                )
                let call = VoteCall(
                    proposal: proposal.id,
                    version: proposal.current.number,
                    textDigest: proposal.current.digest,
                    rule: rule,
                    deadline: Timestamp.format(Date().addingTimeInterval(TimeInterval(minutes * 60)))
                )
                try await records.write(.voteCall, body: try call.json, in: space, by: person(context))
            case RecordKind.ballot.rawValue:
                try await records.vote(
                    in: id,
                    call: form.call ?? "",
                    choice: try parse(Multilateral.Choice.self, form.choice ?? "", "choice"),
                    by: person(context)
                )
            case RecordKind.result.rawValue:
                try await records.publishResult(in: id, call: form.call ?? "", by: person(context))
            default:
                throw ServiceFailure.invalid("unknown form")
            }
            return redirect("/forums/\(id)")
        } catch let failure as ServiceFailure {
            return try await forumPage(id, context, typed: form, error: failure.description, status: .unprocessableContent)
        }
    }

    func downloadResult(_ context: NodeRequestContext) async throws -> Response {
        let forum = try recordID(context, "forum")
        let call = try recordID(context, "call")
        do {
            let result = try await records.resultFile(in: forum, call: call)
            return JSONResponse.file(result.fileBytes, named: "vote-result.json")
        } catch let failure as ServiceFailure {
            return errorPage(context, .notFound, "No published result", failure.description)
        }
    }
}
