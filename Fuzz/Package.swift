// swift-tools-version: 6.0
// libFuzzer targets for SparseQP's readers. A separate package so that the root package's
// `swift build` / `swift test` never build them. Build and run through `scripts/fuzz`, which
// passes `--sanitize=fuzzer --sanitize=address` so the readers themselves are instrumented.
import PackageDescription

let package = Package(
    name: "SparseQPFuzz",
    dependencies: [
        .package(name: "SparseQP", path: ".."),
    ],
    targets: [
        .executableTarget(name: "QPSFuzz", dependencies: [.product(name: "QP", package: "SparseQP")], path: "QPSFuzz"),
        .executableTarget(name: "MatrixMarketFuzz", dependencies: [.product(name: "Sparse", package: "SparseQP")], path: "MatrixMarketFuzz"),
        .executableTarget(name: "QPBFuzz", dependencies: [.product(name: "QP", package: "SparseQP")], path: "QPBFuzz"),
        .executableTarget(name: "JSONFuzz", dependencies: [.product(name: "QP", package: "SparseQP")], path: "JSONFuzz"),
        .executableTarget(
            name: "FileReadFuzz",
            dependencies: [.product(name: "QP", package: "SparseQP"), .product(name: "Sparse", package: "SparseQP")],
            path: "FileReadFuzz"
        ),
    ],
    swiftLanguageModes: [.v6]
)
