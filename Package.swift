// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "SparseQP",
    products: [
        .library(name: "Sparse", targets: ["Sparse"]),
        .library(name: "KKT", targets: ["KKT"]),
        .library(name: "QP", targets: ["QP"]),
        .library(name: "ADMM", targets: ["ADMM"]),
        .library(name: "Implicit", targets: ["Implicit"]),
        .library(name: "Generators", targets: ["Generators"]),
        .executable(name: "sparseqp", targets: ["sparseqp"]),
        // The C API (header: include/sparseqp.h; Sources/CSparseQPTypes/include/sparseqp.h is a symlink to it) as libsparseqp_c.so (the executable product already has the name sparseqp).
        .library(name: "sparseqp_c", type: .dynamic, targets: ["CSparseQP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // CHOLMOD (SuiteSparse), METIS, OpenBLAS from Debian packages; see scripts/setup.
        // Debian ships no pkg-config file for SuiteSparse, so the module map links by name.
        .systemLibrary(name: "CSuiteSparse", path: "Sources/CSuiteSparse"),
        // MPI (OpenMPI through pkg-config) and MUMPS (Debian libmumps-dev); see scripts/setup. The shim
        // keeps MUMPS's structure and MPI behind a small C interface (Sources/CMUMPS/include).
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "mpi"),
        .target(name: "CMUMPS", dependencies: ["CMPI"], path: "Sources/CMUMPS",
                linkerSettings: [.linkedLibrary("dmumps"), .linkedLibrary("mumps_common")]),
        .target(name: "Sparse"),
        // glibc allocator tuning for the CLI process (mallopt is not in Swift's Glibc module).
        .target(name: "CAllocator", path: "Sources/CAllocator"),
        .target(name: "QP", dependencies: ["Sparse"]),
        .target(name: "KKT", dependencies: ["Sparse", "CSuiteSparse", "CMUMPS"]),
        // Polishing and the interior-point method on the scaled problem, behind the KKT protocol.
        .target(name: "Stages", dependencies: ["Sparse", "KKT"]),
        .target(name: "ADMM", dependencies: ["Sparse", "QP", "KKT", "Stages"]),
        .target(name: "Implicit", dependencies: ["Sparse", "QP", "KKT", "Stages", "ADMM"]),
        .target(name: "Generators", dependencies: ["Sparse", "QP"]),
        // The C API: the header's types (a C target) and the @_cdecl functions behind them.
        .target(name: "CSparseQPTypes", path: "Sources/CSparseQPTypes"),
        .target(name: "CSparseQP", dependencies: ["CSparseQPTypes", "Sparse", "QP", "KKT", "ADMM", "Implicit"]),
        .executableTarget(
            name: "sparseqp",
            dependencies: [
                "Sparse", "QP", "KKT", "ADMM", "Implicit", "Generators", "CAllocator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Swift versions of examples/mpc_learning.py and examples/portfolio_dfl.py (Swift AD through QPLayer).
        .executableTarget(
            name: "SwiftExamples",
            dependencies: [
                "Sparse", "QP", "ADMM", "Implicit", "Generators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "examples/swift"
        ),
        .executableTarget(
            name: "KKTBench",
            dependencies: ["Sparse", "KKT", "TestSupport"],
            path: "Benchmarks/KKTBench"
        ),
        .executableTarget(name: "BackwardBench", dependencies: ["Sparse", "QP", "KKT", "ADMM", "Implicit", "TestSupport"], path: "Benchmarks/BackwardBench"),
        // Seeded random problems: shared by the tests and the benchmark generators.
        .target(name: "TestSupport", dependencies: ["Sparse", "Generators"], path: "Tests/TestSupport"),
        .testTarget(name: "SparseTests", dependencies: ["Sparse", "TestSupport"]),
        .testTarget(name: "KKTTests", dependencies: ["Sparse", "KKT", "CSuiteSparse", "TestSupport"]),
        .testTarget(name: "QPTests", dependencies: ["Sparse", "QP", "TestSupport"]),
        .testTarget(name: "ADMMTests", dependencies: ["Sparse", "QP", "KKT", "Stages", "ADMM", "Generators", "TestSupport"]),
        // Runs the built `sparseqp` executable (bench, generate → solve, sequence): no library dependency.
        .testTarget(name: "CLITests"),
        .testTarget(name: "ImplicitTests", dependencies: ["Sparse", "QP", "KKT", "ADMM", "Implicit", "TestSupport"]),
        // Compiles Tests/CAPITests/capi_test.c with cc against the built libsparseqp.so and runs it.
        .testTarget(name: "CAPITests", exclude: ["capi_test.c"]),
        .testTarget(name: "GeneratorsTests", dependencies: ["Sparse", "QP", "Generators", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
