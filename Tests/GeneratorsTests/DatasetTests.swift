import Foundation
import Sparse
import QP
import Testing
import Generators

/// The committed instances in datasets/generated (written by `sparseqp generate`) equal a fresh
/// generation bit for bit: generation is deterministic across machines and commits.
@Suite struct DatasetTests {
    static let files = [
        "control-sparse_n20_s1.qps", "portfolio-sparse_n200_s1.qps", "lasso-sparse_n100_s1.qps",
        "control_n6_s1.qpb", "random_n20_s1.qpb",
    ]

    /// (class, size, seed) from a file name "CLASS_nSIZE_sSEED.ext".
    static func parse(_ file: String) throws -> (ProblemClass, Int, UInt64) {
        let stem = file.split(separator: ".")[0]
        let parts = stem.split(separator: "_")
        let c = try #require(ProblemClass(rawValue: String(parts[0])))
        let size = try #require(Int(parts[1].dropFirst()))
        let seed = try #require(UInt64(parts[2].dropFirst()))
        return (c, size, seed)
    }

    @Test(arguments: files)
    func committedFileEqualsFreshGeneration(file: String) throws {
        let path = generatedDirectory + "/" + file
        let (c, size, seed) = try Self.parse(file)
        let fresh = try generate(c, size: size, seed: seed)
        let stored: QuadraticProgram
        if file.hasSuffix(".qps") {
            let model = try QPSReader.read(path: path)
            #expect(model.name == fresh.name)
            stored = model.program
        } else {
            stored = try QPBinary.read(path: path)
        }
        #expect(bitwiseIdentical(stored, fresh.program))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.size] as? Int ?? .max) < 200_000)
    }

    /// QPS text as `sparseqp generate` writes it reads back to the same program, every class.
    @Test(arguments: ProblemClass.allCases)
    func qpsRoundTrip(problemClass c: ProblemClass) throws {
        let p = try generate(c, size: smallSize(c), seed: 21)
        let model = try QPSReader.parse(text: QPSWriter.format(p.program, name: p.name))
        #expect(model.name == p.name)
        #expect(bitwiseIdentical(model.program, p.program))
    }
}
