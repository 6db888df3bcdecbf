import Foundation
import Sparse
import Testing
@testable import QP

/// Reading the Maros–Meszaros files in datasets/ (and in the shared folder when present).
@Suite struct DatasetTests {
    static let localNames = ["GENHS28", "HS21", "HS268", "HS35", "HS35MOD", "HS52", "HS53", "HS76",
                             "LOTSCHD", "QADLITTL", "QAFIRO", "QSCAGR7", "TAME", "VALUES", "ZECEVIC2"]

    func read(_ name: String, freeRows: QPSReader.FreeRows = .omitted) throws -> QPSModel {
        try QPSReader.read(path: TestData.localDirectory + "/\(name).QPS", freeRows: freeRows)
    }

    /// Checks the sizes of `name` against its reference row. reference.csv counts every
    /// non-objective row and one bound row for every column, free ones included; the default reader
    /// leaves free rows and free columns out of A, `freeRows: .included` keeps them.
    static func checkSizes(directory: String, name: String, reference: TestData.Reference,
                           includedMode: Bool = true) throws {
        let path = directory + "/\(name).QPS"
        let model = try QPSReader.read(path: path)
        let freeColumns = model.columnToBoundRow.filter { $0 == nil }.count
        let freeRows = model.rowToConstraint.filter { $0 == nil }.count
        #expect(model.program.n == reference.n, "\(name): n")
        #expect(fullSymmetricNonzeroCount(model.program.P) == reference.nnzP, "\(name): nnz(P full)")
        #expect(model.program.m + freeColumns + freeRows == reference.m, "\(name): m")
        #expect(model.program.A.nonzeroCount + freeColumns == reference.nnzA, "\(name): nnz(A)")
        guard includedMode else { return }
        let full = try QPSReader.read(path: path, freeRows: .included)
        #expect(full.program.m == reference.m, "\(name): m with free rows included")
        #expect(full.program.A.nonzeroCount == reference.nnzA, "\(name): nnz(A) with free rows included")
        #expect(full.program.P == model.program.P && full.program.q == model.program.q)
    }

    @Test func localFilesMatchTheirReference() throws {
        let references = try TestData.references(in: TestData.localDirectory)
        #expect(references.count == Self.localNames.count)
        for name in Self.localNames {
            let reference = try #require(references[name], "\(name) missing from reference.csv")
            try Self.checkSizes(directory: TestData.localDirectory, name: name, reference: reference)
        }
    }

    @Test func hs21() throws {
        let model = try read("HS21")
        let qp = model.program
        #expect(qp.n == 2 && qp.m == 3)
        #expect(fullSymmetricNonzeroCount(qp.P) == 2 && qp.A.nonzeroCount == 4)
        #expect(qp.objectiveConstant == -100)
        #expect(qp.l == [10, 2, -50] && qp.u == [.infinity, 50, 50])
        // f = 0.01 x₁² + x₂² − 100; the optimum x = (2, 0) gives −99.96.
        #expect(abs(qp.objective(at: [2, 0]) - (-99.96)) < 1e-12)
        let reference = try #require(try TestData.references(in: TestData.localDirectory)["HS21"])
        #expect(abs(qp.objective(at: [2, 0]) - reference.objective) < 1e-9)
    }

    @Test func hs35() throws {
        let qp = try read("HS35").program
        #expect(qp.n == 3 && qp.m == 4)
        #expect(fullSymmetricNonzeroCount(qp.P) == 7 && qp.A.nonzeroCount == 6)
        #expect(qp.P.dense() == [[4, 2, 2], [0, 4, 0], [0, 0, 2]])
        #expect(qp.q == [-8, -6, -4] && qp.objectiveConstant == 9)
        // Known optimum x = (4/3, 7/9, 4/9) with f = 1/9.
        #expect(abs(qp.objective(at: [4.0 / 3, 7.0 / 9, 4.0 / 9]) - 1.0 / 9) < 1e-12)
        #expect(qp.objective(at: [0, 0, 0]) == 9)
    }

    @Test func qafiro() throws {
        let model = try read("QAFIRO")
        let qp = model.program
        #expect(qp.n == 32 && qp.m == 59)
        #expect(fullSymmetricNonzeroCount(qp.P) == 9 && qp.A.nonzeroCount == 115)
        #expect(model.rowNames.count == 27 && model.columnNames.count == 32)
        #expect((0..<8).allSatisfy { qp.l[$0] == qp.u[$0] })      // E rows
        #expect((8..<27).allSatisfy { qp.l[$0] == -.infinity })   // L rows
        #expect(qp.q[1] == -0.40000000000000036 && qp.q[31] == 10)
        #expect(qp.objective(at: Array(repeating: 0, count: 32)) == qp.objectiveConstant)
        // x = e₁ + e₂: ½(P₁₁ + 2P₁₂ + P₂₂) + q₁ + q₂ = ½(10 + 2 + 10) − 0.4… + r
        var x = Array(repeating: 0.0, count: 32)
        x[0] = 1; x[1] = 1
        #expect(abs(qp.objective(at: x) - (11 - 0.40000000000000036 + qp.objectiveConstant)) < 1e-12)
    }

    /// All 102 shared problems, one test case each (they run in parallel). The `.included` reading
    /// is repeated only for files below 1 MB to keep debug-build test time short; the default reading
    /// checks the same counts through the free-row/column arithmetic.
    @Test(.enabled(if: TestData.sharedIsPresent,
                   "needs the shared Maros–Meszaros set at ../shared/datasets/maros-meszaros (not present)"),
          arguments: TestData.sharedNames)
    func sharedProblemMatchesReference(name: String) throws {
        let references = try TestData.references(in: TestData.sharedDirectory)
        let reference = try #require(references[name])
        let size = (try? FileManager.default.attributesOfItem(atPath: TestData.sharedDirectory + "/\(name).QPS")[.size] as? Int) ?? 0
        try Self.checkSizes(directory: TestData.sharedDirectory, name: name, reference: reference,
                            includedMode: size < 1_000_000)
    }

    @Test(.enabled(if: TestData.sharedIsPresent,
                   "needs the shared Maros–Meszaros set at ../shared/datasets/maros-meszaros (not present)"))
    func sharedSetIsComplete() throws {
        #expect(TestData.sharedNames.count == 102)
    }
}
