import Sparse
import Testing
@testable import QP

/// One test per validation error of `QuadraticProgram.init`, plus the happy paths.
@Suite struct ValidationTests {
    // A valid 2-variable problem with one constraint row: min ½(2x² + 2xy + 2y²) + x − y + 3, −1 ≤ x + y ≤ 1.
    let P = matrix(2, 2, [(0, 0, 2), (0, 1, 1), (1, 1, 2)])
    let A = sparse([[1, 1]])

    @Test func validProblemAndObjective() throws {
        let qp = try QuadraticProgram(P: P, q: [1, -1], A: A, l: [-1], u: [1], objectiveConstant: 3)
        #expect(qp.n == 2 && qp.m == 1)
        // ½(2·1 + 2·1·2 + 2·4) + 1 − 2 + 3 = 7 + 2 = 9
        #expect(qp.objective(at: [1, 2]) == 9)
        #expect(qp.objective(at: [1]).isNaN)
    }

    @Test func infiniteBoundsAreAllowed() throws {
        let qp = try QuadraticProgram(P: P, q: [0, 0], A: sparse([[1, 0], [0, 1]]),
                                      l: [-.infinity, 0], u: [.infinity, .infinity])
        #expect(qp.m == 2)
    }

    @Test func dimensionMismatch() {
        #expect(qpError { try QuadraticProgram(P: P, q: [1], A: A, l: [0], u: [1]) }
                == .dimensionMismatch(array: "q", expected: 2, got: 1))
        #expect(qpError { try QuadraticProgram(P: P, q: [1, 1], A: sparse([[1, 1, 1]]), l: [0], u: [1]) }
                == .dimensionMismatch(array: "A columns", expected: 2, got: 3))
        #expect(qpError { try QuadraticProgram(P: P, q: [1, 1], A: A, l: [0, 0], u: [1]) }
                == .dimensionMismatch(array: "l", expected: 1, got: 2))
        #expect(qpError { try QuadraticProgram(P: P, q: [1, 1], A: A, l: [0], u: []) }
                == .dimensionMismatch(array: "u", expected: 1, got: 0))
    }

    @Test func lGreaterThanU() {
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: A, l: [2], u: [1]) }
                == .lGreaterThanU(row: 0, l: 2, u: 1))
    }

    @Test func infiniteBoundOnTheWrongSide() {
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: A, l: [.infinity], u: [.infinity]) }
                == .lIsPlusInfinity(row: 0))
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: A, l: [-.infinity], u: [-.infinity]) }
                == .uIsMinusInfinity(row: 0))
    }

    @Test func nanInQ() {
        #expect(qpError { try QuadraticProgram(P: P, q: [0, .nan], A: A, l: [0], u: [1]) } == .nonFiniteQ(index: 1))
        #expect(qpError { try QuadraticProgram(P: P, q: [.infinity, 0], A: A, l: [0], u: [1]) } == .nonFiniteQ(index: 0))
    }

    @Test func nanInLAndU() {
        let A2 = sparse([[1, 0], [0, 1]])
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: A2, l: [0, .nan], u: [1, 1]) } == .nanInL(index: 1))
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: A2, l: [0, 0], u: [.nan, 1]) } == .nanInU(index: 0))
    }

    @Test func infInAValues() {
        let bad = matrix(1, 2, [(0, 0, 1), (0, 1, .infinity)])
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: bad, l: [0], u: [1]) } == .nonFiniteA(row: 0, column: 1))
    }

    @Test func nanInPValues() {
        let bad = matrix(2, 2, [(0, 0, 1), (1, 1, .nan)])
        #expect(qpError { try QuadraticProgram(P: bad, q: [0, 0], A: A, l: [0], u: [1]) } == .nonFiniteP(row: 1, column: 1))
    }

    @Test func nonFiniteObjectiveConstant() {
        #expect(qpError { try QuadraticProgram(P: P, q: [0, 0], A: A, l: [0], u: [1], objectiveConstant: .nan) }
                == .nonFiniteObjectiveConstant)
    }

    @Test func pNotSymmetricWhenFull() throws {
        let asymmetric = matrix(2, 2, [(0, 0, 2), (1, 0, 1), (0, 1, 1.5), (1, 1, 2)])
        #expect(qpError { try QuadraticProgram(P: asymmetric, q: [0, 0], A: A, l: [0], u: [1], pForm: .fullSymmetric) }
                == .pNotSymmetric(row: 1, column: 0))
        // An entry whose mirror is missing is asymmetric too.
        let oneSided = matrix(2, 2, [(0, 0, 2), (1, 0, 1), (1, 1, 2)])
        #expect(qpError { try QuadraticProgram(P: oneSided, q: [0, 0], A: A, l: [0], u: [1], pForm: .fullSymmetric) }
                == .pNotSymmetric(row: 1, column: 0))
        // A symmetric full matrix keeps its upper triangle.
        let full = matrix(2, 2, [(0, 0, 2), (1, 0, 1), (0, 1, 1), (1, 1, 2)])
        let qp = try QuadraticProgram(P: full, q: [0, 0], A: A, l: [0], u: [1], pForm: .fullSymmetric)
        #expect(qp.P == P)
    }

    @Test func pBelowDiagonalWhenUpper() {
        let lower = matrix(2, 2, [(0, 0, 2), (1, 0, 1), (1, 1, 2)])
        #expect(qpError { try QuadraticProgram(P: lower, q: [0, 0], A: A, l: [0], u: [1]) }
                == .pEntryBelowDiagonal(row: 1, column: 0))
    }

    @Test func pNotSquare() {
        let rectangular = matrix(3, 2, [(0, 0, 1)])
        #expect(qpError { try QuadraticProgram(P: rectangular, q: [0, 0], A: A, l: [0], u: [1]) }
                == .pNotSquare(rowCount: 3, columnCount: 2))
    }

    @Test func errorsDescribeThemselves() {
        #expect(QPError.lGreaterThanU(row: 3, l: 2, u: 1).description.contains("row 3"))
        #expect(QPError.qps(line: 7, issue: .unknownRow("R9")).description == "QPS line 7: unknown row 'R9'")
        #expect(QPError.qps(line: 7, issue: .missingEndata).line == 7)
        #expect(QPError.nanInL(index: 0).line == nil)
    }
}
