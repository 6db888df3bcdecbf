import ArgumentParser
import CAllocator

/// The `sparseqp` command line tool. Each subcommand lives in its own file.
@main
struct SparseQP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparseqp",
        abstract: "Sparse convex QP solver (OSQP-style ADMM on CHOLMOD).",
        subcommands: [Demo.self, Factor.self, Solve.self, MarosMeszaros.self, Grad.self, Generate.self, Bench.self, Sequence.self])

    /// Parses and runs the subcommand with checked output (`Console`), Ctrl-C handling
    /// (`Interrupt`) and the documented exit statuses (`ExitStatus`).
    static func main() {
        tuneAllocator()
        Console.prepare()
        Interrupt.install()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            Console.exit(after: error)
        }
        Console.exit(ExitStatus.success)
    }

    /// CHOLMOD allocates and frees blocks of hundreds of MB in every numeric factorization (the
    /// permuted copy of the matrix, workspaces). glibc serves such blocks with fresh `mmap`s whose
    /// pages the kernel zeroes on first touch: on 10⁶-variable problems that page-fault work was a
    /// quarter of the run time (perf). Serving them from the heap, and keeping freed memory there,
    /// lets every refactorization reuse the pages. Process-wide, so the CLI (the process' owner)
    /// sets it; library users can do the same with
    /// GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647.
    static func tuneAllocator() {
        _ = sparseqp_tune_allocator()
    }
}
