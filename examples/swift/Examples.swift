// Swift versions of examples/mpc_learning.py and examples/portfolio_dfl.py: the same training
// loops, differentiated with Swift's automatic differentiation through `QPLayer.solutions`
// (Sources/Implicit/QPLayer.swift; its pullback is the library's batched adjoint).
//
//     swift run -c release SwiftExamples mpc         # writes mpc_learning_swift.csv
//     swift run -c release SwiftExamples portfolio   # writes portfolio_dfl_swift.csv
//
// `--quick` runs small sizes and few steps (the smoke test in Tests/CLITests/SwiftExamplesTests.swift).

import ArgumentParser

@main
struct SwiftExamples: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "SwiftExamples",
        abstract: "Training loops through the QP layer with Swift's automatic differentiation.",
        subcommands: [MPCLearning.self, PortfolioDFL.self])
}

/// Options every example takes.
struct ExampleOptions: ParsableArguments {
    @Flag(help: "Small sizes and few steps (the smoke test).")
    var quick = false

    @Option(help: "Where to write the CSV of the training curve.")
    var out: String?

    @Option(help: "Seed of the random data.")
    var seed: UInt64 = 0
}
