import ArgumentParser
import EntenteProtocol
import Foundation
import Multilateral

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
            let board = try await connection.client().call { try await $0.capacityBuilding().ok.body.json }
            if json { return printAnswer(board) }
            for request in board.requests {
                print("request \(request.id) by \(request.by): \(request.topic) in \(request.region)")
                for suggestion in request.suggestedOffers { print("  fits offer \(suggestion.offer) (fit \(suggestion.fit))") }
            }
            for match in board.matches { print("match \(match.id): \(match.requester) ← \(match.offerer)  \(match.status.rawValue)") }
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
