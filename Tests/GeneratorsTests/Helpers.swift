import Sparse
import QP
@testable import Generators

/// `datasets/generated` of this package, found relative to this source file.
let generatedDirectory: String = {
    let components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    return (components.dropLast(3) + ["datasets", "generated"]).joined(separator: "/")
}()

/// A small size for every class (a few hundred variables at most).
func smallSize(_ c: ProblemClass) -> Int {
    switch c {
    case .random, .eq: return 12
    case .portfolio, .lasso, .huber, .svm: return 2
    case .control: return 4
    case .randomSparse, .eqSparse: return 30
    case .portfolioSparse: return 250
    case .lassoSparse, .huberSparse, .svmSparse: return 40
    case .controlSparse: return 12
    }
}

/// The number of rows of A documented for each class (independent of the generator's own table).
func documentedRows(_ c: ProblemClass, size s: Int) -> Int {
    switch c {
    case .random, .randomSparse: return 10 * s
    case .eq, .eqSparse: return s / 2
    case .portfolio: return 1 + s + 100 * s                 // budget, k factor rows, n bounds
    case .portfolioSparse: return 1 + (max(1, s / 100) + 1) + s
    case .lasso: return 100 * s + 2 * s
    case .huber: return 3 * 100 * s
    case .svm: return 2 * 100 * s
    case .lassoSparse: return 3 * s
    case .huberSparse: return 3 * 2 * s
    case .svmSparse: return 2 * s
    case .control: return 2 * 11 * s + 10 * (s / 2)
    case .controlSparse: return 2 * 10 * (s + 1) + 5 * s
    }
}

/// The number of variables documented for each class.
func documentedVariables(_ c: ProblemClass, size s: Int) -> Int {
    switch c {
    case .random, .randomSparse, .eq, .eqSparse: return s
    case .portfolio: return 100 * s + s
    case .portfolioSparse: return s + max(1, s / 100) + 1
    case .lasso: return 2 * s + 100 * s
    case .huber: return s + 3 * 100 * s
    case .svm: return s + 100 * s
    case .lassoSparse: return 3 * s
    case .huberSparse: return s + 3 * 2 * s
    case .svmSparse: return 2 * s
    case .control: return 11 * s + 10 * (s / 2)
    case .controlSparse: return 15 * s + 10
    }
}

/// Same bits in every array, same patterns, same dimensions.
func bitwiseIdentical(_ a: QuadraticProgram, _ b: QuadraticProgram) -> Bool {
    func same(_ x: [Double], _ y: [Double]) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
    return a.P.pattern == b.P.pattern && a.A.pattern == b.A.pattern
        && same(a.P.values, b.P.values) && same(a.A.values, b.A.values)
        && same(a.q, b.q) && same(a.l, b.l) && same(a.u, b.u)
        && a.objectiveConstant.bitPattern == b.objectiveConstant.bitPattern
}

/// The largest number of entries in a column.
func maxColumnCount(_ m: CSCMatrix) -> Int {
    (0..<m.columnCount).map { m.pattern.range(ofColumn: $0).count }.max() ?? 0
}

/// The error thrown by `body`, if it is a `QPError`.
func qpError<T>(_ body: () throws -> T) -> QPError? {
    do { _ = try body(); return nil } catch { return error as? QPError }
}

/// The error thrown by `body`, if it is a `GeneratorError`.
func generatorError<T>(_ body: () throws -> T) -> GeneratorError? {
    do { _ = try body(); return nil } catch { return error as? GeneratorError }
}
