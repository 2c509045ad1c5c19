import ArgumentParser

@main
struct Entente: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entente",
        abstract: "A node of Entente, the federated hotline for cyber diplomacy.",
        discussion: """
            Start a demo federation on loopback:   entente demo
            Create and run your own node:          entente init --data DIR …; entente serve --data DIR
            Commands other than init, serve and demo talk to a running node's API.
            """,
        subcommands: [
            Demo.self, Init.self, Serve.self, Peer.self, Send.self, Inbox.self, Sent.self, Show.self, Ack.self, Ping.self,
            User.self, Outbox.self, Keys.self, Case.self, Forum.self, Agreement.self, Norms.self, CBM.self, Capacity.self, Drill.self, TAXII.self,
            Verify.self, Directory.self, Log.self, Detect.self, LanguageCommand.self,
        ]
    )
}
