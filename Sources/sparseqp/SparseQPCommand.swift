import ArgumentParser

/// The `sparseqp` command line tool. Each subcommand lives in its own file.
@main
struct SparseQP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparseqp",
        abstract: "Sparse convex QP solver (OSQP-style ADMM on CHOLMOD).",
        subcommands: [Demo.self, Factor.self, Solve.self, MarosMeszaros.self, Grad.self, Bench.self, Sequence.self, Generate.self])
}
