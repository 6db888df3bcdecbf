import CMUMPS
import Sparse

/// One MUMPS instance (double precision, `dmumps_c`) that owns the arrays MUMPS reads: the
/// coordinate pattern (1-based), the values and the dense right-hand side. MUMPS keeps pointers to
/// them, so they are allocated once here and never move.
///
/// MPI is initialized on first use, once per process (`sqp_mumps_mpi_init`, asking for
/// MPI_THREAD_MULTIPLE). Instances run on MPI_COMM_SELF: each is a single-process MUMPS. Distinct
/// instances may be used from distinct threads, but the shim runs all MUMPS calls of the process
/// one at a time (MUMPS's C interface is not reentrant): systems on worker threads (QPLayer) wait
/// for each other's factorizations and solves. One instance is not thread-safe.
final class MUMPSInstance {
    private let handle: OpaquePointer
    let dimension: Int
    let entryCount: Int
    let rows: UnsafeMutablePointer<Int32>
    let columns: UnsafeMutablePointer<Int32>
    let values: UnsafeMutableBufferPointer<Double>
    let rhs: UnsafeMutableBufferPointer<Double>

    /// The settings SparseQP uses for the quasi-definite matrix (ICNTL/CNTL numbers of the MUMPS 5.5 guide).
    enum Control {
        /// ICNTL(1…3): error, diagnostic and global-information streams; −1 silences them (failures
        /// are reported as typed errors instead). ICNTL(4) = 0: no printing.
        static let silentStreams: [(Int32, Int32)] = [(1, -1), (2, -1), (3, -1), (4, 0)]
        /// ICNTL(6) = 0: no column permutation or matching (the matrix is symmetric quasi-definite).
        static let noMatching: (Int32, Int32) = (6, 0)
        /// ICNTL(12) = 1: the ordering is applied to the matrix as given (no 2×2 compression).
        static let plainOrdering: (Int32, Int32) = (12, 1)
        /// ICNTL(13) = 1: the root front is factorized by MUMPS, not ScaLAPACK, so INFOG(12) counts
        /// its negative pivots too (the inertia check needs them all).
        static let rootWithoutScaLAPACK: (Int32, Int32) = (13, 1)
        /// ICNTL(10) = 0: no iterative refinement inside MUMPS (SparseQP refines against the exact operator).
        static let noRefinement: (Int32, Int32) = (10, 0)
        /// ICNTL(28) = 1: sequential analysis (the ordering ICNTL(7) applies).
        static let sequentialAnalysis: (Int32, Int32) = (28, 1)
        /// CNTL(1) = 0: no threshold pivoting — quasi-definite matrices are strongly factorizable, and
        /// the pivot order of the analysis is kept so that INFOG(12) is K's inertia.
        static let pivotThreshold = 0.0
        /// ICNTL(14): the extra workspace (percent over the analysis' estimate) is doubled and the
        /// factorization retried this many times when MUMPS reports −8/−9 (workspace too small).
        static let workspaceRetries = 2
    }

    /// MUMPS's ordering codes (ICNTL(7), INFOG(7)).
    static func orderingCode(_ ordering: OrderingChoice) -> Int32 {
        switch ordering {
        case .automatic: return 7
        case .amd: return 0
        case .metis: return 5
        }
    }

    static func ordering(code: Int32) -> OrderingChoice {
        switch code {
        case 0: return .amd
        case 5: return .metis
        default: return .automatic
        }
    }

    /// Whether this MUMPS was built with METIS (Debian's libmumps is not: it has AMD, AMF, QAMD and
    /// PORD). Probed once per process by analysing a 2×2 matrix with ICNTL(7) = 5 and reading the
    /// ordering MUMPS used (INFOG(7)).
    static let supportsMETIS: Bool = {
        guard let pattern = try? SparsityPattern(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 3], rowIndices: [0, 0, 1]),
              let probe = try? MUMPSInstance(pattern: pattern, ordering: .metis, probing: true) else { return false }
        probe.values[0] = 1; probe.values[1] = 0; probe.values[2] = -1
        guard (try? probe.analyse()) != nil else { return false }
        return probe.infog(7) == 5
    }()

    /// A new instance (JOB = −1) for the symmetric matrix with this upper-triangle pattern (SYM = 2).
    init(pattern: SparsityPattern, ordering: OrderingChoice, probing: Bool = false) throws(FactorizationError) {
        if ordering == .metis, !probing, !Self.supportsMETIS {
            throw .strategyUnavailable("the installed MUMPS was built without METIS; use --ordering amd or auto, or the CHOLMOD backend")
        }
        let dim = pattern.columnCount, nnz = pattern.nonzeroCount
        guard dim > 0, dim < Int(Int32.max), nnz < Int(Int32.max) else {
            throw .strategyUnavailable("MUMPS (32-bit indices) cannot take a matrix of dimension \(dim) with \(nnz) entries")
        }
        var error: Int32 = 0
        guard let h = sqp_mumps_create(2, 0, &error) else {
            throw .mumps(MUMPSStatus(code: Int(error), detail: 0, phase: .initialization))
        }
        handle = h
        dimension = dim
        entryCount = nnz
        rows = .allocate(capacity: nnz)
        columns = .allocate(capacity: nnz)
        values = .allocate(capacity: nnz)
        values.initialize(repeating: 0)
        rhs = .allocate(capacity: dim)
        rhs.initialize(repeating: 0)
        for j in 0..<dim {
            for p in pattern.range(ofColumn: j) {
                rows[p] = Int32(pattern.rowIndices[p] + 1)
                columns[p] = Int32(j + 1)
            }
        }
        for (i, v) in Control.silentStreams { sqp_mumps_set_icntl(h, i, v) }
        for (i, v) in [Control.noMatching, Control.plainOrdering, Control.rootWithoutScaLAPACK,
                       Control.noRefinement, Control.sequentialAnalysis, (7, Self.orderingCode(ordering))] {
            sqp_mumps_set_icntl(h, i, v)
        }
        sqp_mumps_set_cntl(h, 1, Control.pivotThreshold)
        sqp_mumps_set_matrix(h, Int32(dim), Int64(nnz), rows, columns, values.baseAddress)
        sqp_mumps_set_rhs(h, rhs.baseAddress)
    }

    deinit {
        sqp_mumps_destroy(handle)
        rows.deallocate()
        columns.deallocate()
        values.deallocate()
        rhs.deallocate()
    }

    /// JOB = 1: ordering and symbolic analysis of the pattern (the current values are passed too).
    func analyse() throws(FactorizationError) {
        try run(job: 1, phase: .analysis)
    }

    /// JOB = 2: numeric factorization of the current values on the analysis; retried with more
    /// workspace when MUMPS asks for it.
    func factorize() throws(FactorizationError) {
        var retries = 0
        while true {
            do {
                try run(job: 2, phase: .factorization)
                return
            } catch {
                guard case .mumps(let s) = error, s.code == -8 || s.code == -9, retries < Control.workspaceRetries else { throw error }
                retries += 1
                sqp_mumps_set_icntl(handle, 14, max(1, sqp_mumps_icntl(handle, 14)) * 2)
            }
        }
    }

    /// JOB = 3: rhs ← K⁻¹·rhs.
    func solveInPlace() throws(FactorizationError) {
        try run(job: 3, phase: .solve)
    }

    private func run(job: Int32, phase: MUMPSStatus.Phase) throws(FactorizationError) {
        let code = sqp_mumps_run(handle, job)
        if code < 0 {
            throw .mumps(MUMPSStatus(code: Int(code), detail: Int(sqp_mumps_info(handle, 2)), phase: phase))
        }
    }

    func infog(_ i: Int32) -> Int { Int(sqp_mumps_infog(handle, i)) }
    func rinfog(_ i: Int32) -> Double { sqp_mumps_rinfog(handle, i) }

    /// An INFOG count that MUMPS reports negated in millions when it overflows 32 bits.
    func largeCount(_ i: Int32) -> Int {
        let v = infog(i)
        return v < 0 ? -v * 1_000_000 : v
    }

    /// INFOG(12): negative pivots of the last factorization (SYM = 2).
    var negativePivots: Int { infog(12) }
    /// INFOG(20): the analysis' estimate of the entries in the factors.
    var predictedEntries: Int { largeCount(20) }
    /// INFOG(29): the entries in the factors after factorization.
    var entriesInFactors: Int { largeCount(29) }
    /// RINFOG(1): the analysis' estimate of the flops of one factorization.
    var predictedFlops: Double { rinfog(1) }
    /// INFOG(18): megabytes MUMPS allocated during the factorization (this process; after analysis,
    /// INFOG(16) is the estimate).
    var factorizationMegabytes: Int { infog(18) }
    var estimatedMegabytes: Int { infog(16) }
    /// INFOG(7): the ordering the analysis used.
    var orderingUsed: OrderingChoice { Self.ordering(code: Int32(infog(7))) }
}
