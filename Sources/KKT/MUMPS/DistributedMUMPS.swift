import CMUMPS

/// MUMPS over several MPI ranks: `mpirun -np K program …` starts K copies of a program; each calls
/// `begin()` first. Rank 0 (the host) then runs the program: every MUMPS system it makes is one
/// MUMPS instance on MPI_COMM_WORLD whose analysis, factorization and solve are distributed over
/// the K ranks (the host keeps the assembled matrix and the right-hand sides). The other ranks call
/// `serve()`, which makes the host's MUMPS calls on their side until the host exits, and then
/// return without output.
///
/// Without a launcher, or with one rank, `begin()` returns `.single` and nothing changes (MUMPS
/// systems are single-process, on MPI_COMM_SELF). Only OpenMPI's launcher is recognised
/// (`OMPI_COMM_WORLD_SIZE`).
public enum DistributedMUMPS {
    public enum Role: Equatable, Sendable {
        /// Not under an MPI launcher with more than one rank.
        case single
        /// Rank 0 of a distributed run: runs the program.
        case host(ranks: Int)
        /// Another rank: must call `serve()` and produce no output.
        case worker(rank: Int)
    }

    /// Joins the distributed run when started by mpirun with more than one rank (initializing MPI);
    /// call on every rank before any MUMPS system is made. Idempotent per process only in the
    /// sense that later calls return the same role.
    public static func begin() -> Role {
        state.role
    }

    /// On a worker: serves the host's MUMPS calls until the host exits, then finalizes MPI.
    public static func serve() {
        guard case .worker = state.role else { return }
        sqp_mumps_serve()
    }

    private final class State: Sendable {
        let role: Role
        init() {
            let rank = Int(sqp_mumps_distributed_begin())
            if rank < 0 {
                role = .single
            } else if rank == 0 {
                role = .host(ranks: Int(sqp_mumps_world_size()))
            } else {
                role = .worker(rank: rank)
            }
        }
    }

    private static let state = State()
}
