import Sparse
import Testing
import TestSupport

@Suite("Checked constructors")
struct ConstructorTests {
    @Test func validInputIsAccepted() throws {
        let a = try CSCMatrix(rowCount: 3, columnCount: 4, columnPointers: [0, 2, 3, 4, 6],
                              rowIndices: [0, 2, 1, 2, 0, 2], values: [1, 4, 3, 5, 2, -6])
        #expect(a.dense() == [[1, 0, 0, 2], [0, 3, 0, 0], [4, 0, 5, -6]])
        #expect(a[2, 3] == -6 && a[1, 0] == 0)
        #expect(a.pattern.position(row: 2, column: 3) == 5)
        #expect(a.pattern.position(row: 1, column: 3) == nil)
    }

    @Test func negativeDimensions() {
        let e = thrownError { try SparsityPattern(rowCount: -1, columnCount: 0, columnPointers: [0], rowIndices: []) }
        #expect(e?.isDimensionMismatch == true)
    }

    @Test func columnPointerCountMismatch() {
        let e = thrownError { try SparsityPattern(rowCount: 2, columnCount: 2, columnPointers: [0, 1], rowIndices: [0]) }
        #expect(e?.isDimensionMismatch == true)
    }

    @Test func firstColumnPointerNotZero() {
        let e = thrownError { try SparsityPattern(rowCount: 2, columnCount: 2, columnPointers: [1, 1, 2], rowIndices: [0, 1]) }
        #expect(e == .columnPointersNotMonotone(column: 0))
    }

    @Test func columnPointersNotMonotone() {
        let e = thrownError { try SparsityPattern(rowCount: 3, columnCount: 3, columnPointers: [0, 2, 1, 3], rowIndices: [0, 1, 2]) }
        #expect(e == .columnPointersNotMonotone(column: 1))
    }

    @Test func lastColumnPointerWrong() {
        let e = thrownError { try SparsityPattern(rowCount: 3, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1, 2]) }
        #expect(e?.isDimensionMismatch == true)
    }

    @Test func rowIndexTooLarge() {
        let e = thrownError { try SparsityPattern(rowCount: 3, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 3]) }
        #expect(e == .rowIndexOutOfRange(row: 3, column: 1, rowCount: 3))
    }

    @Test func rowIndexNegative() {
        let e = thrownError { try SparsityPattern(rowCount: 3, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [-1, 0]) }
        #expect(e == .rowIndexOutOfRange(row: -1, column: 0, rowCount: 3))
    }

    @Test func unsortedRowIndices() {
        let e = thrownError { try SparsityPattern(rowCount: 3, columnCount: 1, columnPointers: [0, 3], rowIndices: [0, 2, 1]) }
        #expect(e == .unsortedOrDuplicateIndices(row: 1, column: 0))
    }

    @Test func duplicateRowIndices() {
        let e = thrownError { try SparsityPattern(rowCount: 3, columnCount: 2, columnPointers: [0, 1, 3], rowIndices: [0, 2, 2]) }
        #expect(e == .unsortedOrDuplicateIndices(row: 2, column: 1))
    }

    @Test func nanValue() throws {
        let e = thrownError { try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1], values: [1, .nan]) }
        guard case .nonFiniteValue(let row, let column, let value)? = e else {
            Issue.record("expected .nonFiniteValue, got \(String(describing: e))")
            return
        }
        #expect(row == 1 && column == 1 && value.isNaN)
    }

    @Test func infiniteValue() {
        let e = thrownError { try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [1, 0], values: [-.infinity, 1]) }
        #expect(e == .nonFiniteValue(row: 1, column: 0, value: -.infinity))
    }

    @Test func valueCountMismatch() throws {
        let pattern = try SparsityPattern(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1])
        let e = thrownError { try CSCMatrix(pattern: pattern, values: [1, 2, 3]) }
        #expect(e?.isDimensionMismatch == true)
    }

    @Test func validateFiniteOnUncheckedMatrix() throws {
        let pattern = try SparsityPattern(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1])
        let a = CSCMatrix(uncheckedPattern: pattern, values: [1, .infinity])
        #expect(thrownError { try a.validateFinite() } == .nonFiniteValue(row: 1, column: 1, value: .infinity))
        #expect(thrownError { try CSCMatrix(uncheckedPattern: pattern, values: [1, 2]).validateFinite() } == nil)
    }

    @Test func zerosAndIdentity() {
        #expect(CSCMatrix.zeros(rowCount: 2, columnCount: 3).dense() == [[0, 0, 0], [0, 0, 0]])
        #expect(CSCMatrix.identity(3, scale: 2).dense() == [[2, 0, 0], [0, 2, 0], [0, 0, 2]])
        #expect(CSCMatrix.identity(0).nonzeroCount == 0)
    }
}

@Suite("TripletBuilder")
struct TripletBuilderTests {
    @Test func sumsDuplicatesAndSortsColumns() throws {
        var b = TripletBuilder(rowCount: 3, columnCount: 2)
        b.append(row: 2, column: 0, value: 1)
        b.append(row: 0, column: 1, value: 2)
        b.append(row: 0, column: 0, value: 3)
        b.append(row: 2, column: 0, value: 4)
        b.append(row: 1, column: 1, value: 5)
        b.append(row: 0, column: 1, value: -2) // cancels to an explicit zero, kept in the pattern
        let a = try b.build()
        #expect(a.columnPointers == [0, 2, 4])
        #expect(a.rowIndices == [0, 2, 0, 1])
        #expect(a.values == [3, 5, 0, 5])
        #expect(a.dense() == [[3, 0], [0, 5], [5, 0]])
    }

    @Test func matchesDenseAccumulationOnRandomTriplets() throws {
        var g = SeededGenerator(seed: 5)
        var b = TripletBuilder(rowCount: 9, columnCount: 7)
        var dense = Array(repeating: Array(repeating: 0.0, count: 7), count: 9)
        for _ in 0..<200 {
            let i = g.nextIndex(below: 9), j = g.nextIndex(below: 7)
            let v = Double(g.nextIndex(below: 21)) - 10 // integers: sums are exact in any order
            b.append(row: i, column: j, value: v)
            dense[i][j] += v
        }
        let a = try b.build()
        #expect(a.dense() == dense)
        // The result satisfies the checked invariants.
        #expect(thrownError { try CSCMatrix(rowCount: 9, columnCount: 7, columnPointers: a.columnPointers,
                                            rowIndices: a.rowIndices, values: a.values) } == nil)
    }

    @Test func rejectsRowOutOfRange() {
        var b = TripletBuilder(rowCount: 2, columnCount: 2)
        b.append(row: 2, column: 1, value: 1)
        #expect(thrownError { try b.build() } == .rowIndexOutOfRange(row: 2, column: 1, rowCount: 2))
    }

    @Test func rejectsColumnOutOfRange() {
        var b = TripletBuilder(rowCount: 2, columnCount: 2)
        b.append(row: 0, column: -1, value: 1)
        #expect(thrownError { try b.build() }?.isDimensionMismatch == true)
    }

    @Test func rejectsNaN() {
        var b = TripletBuilder(rowCount: 2, columnCount: 2)
        b.append(row: 0, column: 0, value: 1)
        b.append(row: 1, column: 0, value: .nan)
        guard case .nonFiniteValue(1, 0, let v)? = thrownError({ try b.build() }) else {
            Issue.record("expected .nonFiniteValue at (1, 0)")
            return
        }
        #expect(v.isNaN)
    }

    @Test func rejectsInfinity() {
        var b = TripletBuilder(rowCount: 2, columnCount: 2)
        b.append(row: 1, column: 1, value: .infinity)
        #expect(thrownError { try b.build() } == .nonFiniteValue(row: 1, column: 1, value: .infinity))
    }
}
