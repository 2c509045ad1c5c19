import ArgumentParser
import EntenteProtocol
import Foundation
import Node
import NodeAPI

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage people's accounts (web sign-in and API tokens).",
        subcommands: [Add.self, List.self, Token.self]
    )

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a personal API token: the CLI then acts as that person, with their role.",
            discussion: """
                The operator token administers the node and speaks for nobody: attributions, statements, ballots,
                agreements and flash notifications need the token of a person whose role may sign them
                (`entente send --data DIR --token TOKEN …`). The token is shown once and stored as a hash.
                """
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "The person's sign-in name.") var username: String
        @Flag(help: "Print {username, role, token} as JSON.") var json = false

        func run() async throws {
            let issued = try await connection.client().call { try await $0.createAPIToken(path: .init(username: username)).created.body.json }
            if json { printAnswer(issued) } else { print(issued.token) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account.",
            discussion: "The password is read from standard input (one line), so it stays out of the shell history and process list."
        )
        @OptionGroup var connection: NodeConnectionOptions
        @Option(help: "Sign-in name.") var username: String
        @Option(help: "Name shown to others, e.g. \"Kadri Tamm\".") var name: String
        @Option(help: "diplomatic-poc, technical-poc, observer or operator.") var role: Components.Schemas.NewUser.RolePayload

        func run() async throws {
            if isatty(STDIN_FILENO) != 0 { printError("Password (at least 12 characters): ", terminator: "") }
            guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw ExitError("No password given on standard input.") }
            let account = Components.Schemas.NewUser(username: username, displayName: name, role: role, password: password)
            _ = try await connection.client().call { try await $0.createUser(body: .json(account)).created }
            print("Created \(username) (\(role.rawValue))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var connection: NodeConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let users = try await connection.client().call { try await $0.listUsers().ok.body.json }
            printRows(users, json: json) { [$0.username, $0.role.rawValue, $0.displayName] }
        }
    }
}

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show how many deliveries are queued; --retry makes them due now.")
    @OptionGroup var connection: NodeConnectionOptions
    @Flag(help: "Retry every queued delivery now instead of at its backoff time.") var retry = false

    func run() async throws {
        let client = try connection.client()
        let status = try await client.call { api in
            retry ? try await api.retryOutbox().ok.body.json : try await api.outboxStatus().ok.body.json
        }
        print("\(status.depth) deliveries queued")
    }
}

struct ExitError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func printError(_ text: String, terminator: String) {
    FileHandle.standardError.write(Data((text + terminator).utf8))
}

/// A file's bytes, or standard input's for "-", refused past `limit` bytes.
func readInput(_ file: String, limit: Int) throws -> Data {
    let data: Data
    do {
        data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
    } catch { throw ExitError("cannot read \(file): \(error.localizedDescription)") }
    guard data.count <= limit else { throw ExitError("\(file) is over \(limit >> 20) MiB") }
    return data
}
