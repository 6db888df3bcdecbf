import ArgumentParser

/// The `sparseqp` command line tool. Each subcommand lives in its own file.
@main
struct SparseQP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparseqp",
        abstract: "Sparse convex QP solver (OSQP-style ADMM on CHOLMOD).",
        subcommands: [Factor.self, Solve.self, MarosMeszaros.self, Grad.self])
}
