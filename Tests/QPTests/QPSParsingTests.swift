import Sparse
import Testing
@testable import QP

/// QPS parsing of small hand-written files: every section and rule.
@Suite struct QPSParsingTests {
    @Test func rangesFollowTheMPSSignRules() throws {
        let model = try parseLines([
            "NAME          RANGES",
            "ROWS",
            " N  obj",
            " E  e1", " E  e2", " E  e3", " L  l1", " G  g1", " L  l2", " G  g2",
            "COLUMNS",
            "    x  e1  1.0  e2  1.0",
            "    x  e3  1.0  l1  1.0",
            "    x  g1  1.0  l2  1.0",
            "    x  g2  1.0",
            "RHS",
            "    RHS  e1  1.0  e2  1.0",
            "    RHS  e3  1.0  l1  5.0",
            "    RHS  g1  5.0  l2  5.0",
            "    RHS  g2  5.0",
            "RANGES",
            "    RNG  e1  2.0  e2  -2.0",
            "    RNG  l1  3.0  g1  3.0",
            "    RNG  l2  -3.0  g2  -3.0",
            "BOUNDS",
            " FR BND  x",
            "ENDATA",
        ])
        let qp = model.program
        #expect(model.name == "RANGES")
        #expect(qp.n == 1 && qp.m == 7)
        // E, R > 0 → [b, b+|R|]; E, R < 0 → [b−|R|, b]; E without range → [b, b];
        // L → [b−|R|, b] and G → [b, b+|R|] whatever the sign of R.
        #expect(qp.l == [1, -1, 1, 2, 5, 2, 5])
        #expect(qp.u == [3, 1, 1, 5, 8, 5, 8])
        #expect(model.columnToBoundRow == [nil])
        #expect(model.rowToConstraint == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test func rowsWithoutRangesAndDefaultRightHandSide() throws {
        let model = try parseLines([
            "NAME", "ROWS", " N  obj", " E  e", " L  l", " G  g",
            "COLUMNS", "    x  e  1.0  l  2.0", "    x  g  3.0",
            "RHS", "    l  4.0",          // free MPS: the RHS vector name may be omitted
            "BOUNDS", " FR BND  x", "ENDATA",
        ])
        #expect(model.name == "")
        #expect(model.program.l == [0, -.infinity, 0])
        #expect(model.program.u == [0, 4, .infinity])
        #expect(model.program.A.dense() == [[1], [2], [3]])
    }

    @Test func boundKinds() throws {
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        let model = try parseLines(
            ["NAME          BOUNDS", "ROWS", " N  obj", "COLUMNS"]
            + names.map { "    \($0)  obj  1.0" }
            + [
                "BOUNDS",
                " UP  b  4.0",                 // bound vector name omitted
                " LO BND  c  -1.0", " UP BND  c  2.0",
                " FX BND  d  3.0",
                " FR BND  e",
                " MI BND  f", " UP BND  f  5.0",
                " LO BND  g  1.0", " PL BND  g",
                " UP BND  h  -2.0",            // negative UP without LO: lower becomes −∞
                " LO BND  i  -1e30", " UP BND  i  1e20",   // |v| ≥ 1e20 is infinite: free column
                " UP BND  j  -2.0", " LO BND  j  -5.0",     // a later LO overrides the −∞
                "ENDATA",
            ])
        let qp = model.program
        #expect(model.columnNames == names)
        #expect(model.columnToBoundRow == [0, 1, 2, 3, nil, 4, 5, 6, nil, 7])
        #expect(qp.m == 8)
        #expect(qp.l == [0, 0, -1, 3, -.infinity, 1, -.infinity, -5])
        #expect(qp.u == [.infinity, 4, 2, 3, 5, .infinity, -2, -2])
        // Bound rows are identity rows.
        for (j, row) in model.columnToBoundRow.enumerated() {
            guard let row else { continue }
            #expect(qp.A[row, j] == 1)
        }
        #expect(qp.A.nonzeroCount == 8)
        #expect(qp.q == Array(repeating: 1, count: 10))
    }

    @Test func objectiveConstantAndLinearCost() throws {
        let model = try parseLines([
            "NAME  CONST", "ROWS", " N  cost", " L  c",
            "COLUMNS",
            "    x  cost  1.5  c  1.0",
            "    x  cost  0.5",                 // repeated entries are summed
            "    y  c  2.0",
            "RHS",
            "    RHS  cost  -4.5  c  10.0",     // RHS on the objective row is −r
            "ENDATA",
        ])
        #expect(model.objectiveRowName == "cost")
        #expect(model.program.q == [2, 0])
        #expect(model.program.objectiveConstant == 4.5)
        #expect(model.program.objective(at: [1, 7]) == 6.5)
        #expect(model.fileObjective(at: [1, 7]) == 6.5)
    }

    @Test func quadobjIsMirroredAndDuplicatesAreSummed() throws {
        let model = try parseLines([
            "NAME", "ROWS", " N  obj",
            "COLUMNS", "    x  obj  0.0", "    y  obj  0.0", "    z  obj  0.0",
            "BOUNDS", " FR BND  x", " FR BND  y", " FR BND  z",
            "QUADOBJ",
            "    x  x  2.0",
            "    y  x  1.0",     // lower triangle (y, x) → upper (x, y)
            "    y  y  4.0",
            "    z  y  0.5",
            "    y  z  0.25",    // the same off-diagonal entry from the other side: summed
            "ENDATA",
        ])
        let P = model.program.P
        #expect(P.dense() == [[2, 1, 0], [0, 4, 0.75], [0, 0, 0]])
        #expect(P.pattern.isUpperTriangular)
        // ½(2 + 4 + 2·1 + 2·0.75) at (1, 1, 1)
        #expect(model.program.objective(at: [1, 1, 1]) == 4.75)
        #expect(model.program.m == 0)
    }

    @Test func qsectionIsReadLikeQuadobj() throws {
        let model = try parseLines([
            "NAME", "ROWS", " N  obj", "COLUMNS", "    x  obj  1.0", "    y  obj  1.0",
            "QSECTION", "    x  x  2.0", "    y  x  1.0", "ENDATA",
        ])
        #expect(model.program.P.dense() == [[2, 1], [0, 0]])
    }

    @Test func qmatrixTakesTheUpperTriangle() throws {
        let model = try parseLines([
            "NAME", "ROWS", " N  obj", "COLUMNS", "    x  obj  1.0", "    y  obj  1.0",
            "QMATRIX",
            "    x  x  2.0", "    x  y  1.0", "    y  x  1.0", "    y  y  4.0",
            "ENDATA",
        ])
        #expect(model.program.P.dense() == [[2, 1], [0, 4]])
        #expect(model.program.P.nonzeroCount == 3)
    }

    @Test func qmatrixMustBeSymmetric() {
        let error = qpError {
            try parseLines([
                "NAME", "ROWS", " N  obj", "COLUMNS", "    x  obj  1.0", "    y  obj  1.0",
                "QMATRIX",
                "    x  x  2.0", "    x  y  1.0", "    y  x  1.5", "    y  y  4.0",
                "ENDATA",
            ])
        }
        #expect(error == .qps(line: 10, issue: .asymmetricQMatrix(row: "y", column: "x")))
    }

    @Test func objsenseMaxOnTheSameLineNegatesTheProgram() throws {
        let model = try parseLines([
            "NAME          MAXI",
            "OBJSENSE MAX",
            "ROWS", " N  obj", " L  c",
            "COLUMNS", "    x  obj  3.0  c  1.0",
            "RHS", "    RHS  obj  -2.0  c  4.0",
            "QUADOBJ", "    x  x  -2.0",
            "ENDATA",
        ])
        // File: maximize f = −x² + 3x + 2; the program minimizes −f = x² − 3x − 2.
        #expect(model.objectiveSense == .maximize)
        #expect(model.program.P.dense() == [[2]])
        #expect(model.program.q == [-3])
        #expect(model.program.objectiveConstant == -2)
        #expect(model.program.objective(at: [1.5]) == -4.25)
        #expect(model.fileObjective(at: [1.5]) == 4.25)
        #expect(model.fileObjective(fromSolverObjective: -4.25) == 4.25)
    }

    @Test func objsenseOnTheNextLine() throws {
        for (word, sense) in [("MAXIMIZE", ObjectiveSense.maximize), ("MIN", .minimize), ("MAX", .maximize)] {
            let model = try parseLines([
                "NAME", "OBJSENSE", "    \(word)", "ROWS", " N  obj",
                "COLUMNS", "    x  obj  3.0", "ENDATA",
            ])
            #expect(model.objectiveSense == sense)
            #expect(model.program.q == [sense == .maximize ? -3 : 3])
        }
    }

    @Test func freeRowsAreOmittedOrIncluded() throws {
        let lines = [
            "NAME", "ROWS", " N  obj", " L  c1", " N  spare", " G  c2",
            "COLUMNS",
            "    x  obj  1.0  c1  1.0",
            "    x  spare  7.0  c2  2.0",
            "    y  c2  3.0",
            "RHS", "    RHS  c1  4.0  spare  99.0", "    RHS  c2  1.0",
            "BOUNDS", " FR BND  y",
            "ENDATA",
        ]
        let omitted = try parseLines(lines)
        #expect(omitted.objectiveRowName == "obj")
        #expect(omitted.rowNames == ["c1", "spare", "c2"])
        #expect(omitted.rowToConstraint == [0, nil, 1])
        #expect(omitted.columnToBoundRow == [2, nil])
        #expect(omitted.program.m == 3)
        #expect(omitted.program.A.dense() == [[1, 0], [2, 3], [1, 0]])
        #expect(omitted.program.l == [-.infinity, 1, 0])
        #expect(omitted.program.u == [4, .infinity, .infinity])
        let duals = omitted.fileRowDuals([10, 20, 30])
        #expect(duals.rows == [10, 0, 20])
        #expect(duals.bounds == [30, 0])

        let included = try parseLines(lines, freeRows: .included)
        #expect(included.rowToConstraint == [0, 1, 2])
        #expect(included.columnToBoundRow == [3, 4])
        #expect(included.program.m == 5)
        #expect(included.program.A.dense() == [[1, 0], [7, 0], [2, 3], [1, 0], [0, 1]])
        #expect(included.program.l == [-.infinity, -.infinity, 1, 0, -.infinity])
        #expect(included.program.u == [4, .infinity, .infinity, .infinity, .infinity])
        let includedDuals = included.fileRowDuals([1, 2, 3, 4, 5])
        #expect(includedDuals.rows == [1, 2, 3])
        #expect(includedDuals.bounds == [4, 5])
        // A dual vector that is too short shows up as NaN, not as a crash.
        #expect(included.fileRowDuals([1]).bounds.allSatisfy { $0.isNaN })
    }

    @Test func fixedFormatWithSpacesInNames() throws {
        let text = [
            "NAME          FIXED QP",
            "ROWS",
            fixedLine(["N", "COST"]),
            fixedLine(["L", "LIM 1"]),
            fixedLine(["G", "LIM 2"]),
            "COLUMNS",
            fixedLine(["", "X 1", "COST", "1.0", "LIM 1", "1.0"]),
            fixedLine(["", "X 1", "LIM 2", "1.0"]),
            fixedLine(["", "X 2", "COST", "-2.5", "LIM 1", "2.0"]),
            "RHS",
            fixedLine(["", "RHS 1", "LIM 1", "10.0", "LIM 2", "1.0"]),
            fixedLine(["", "RHS 1", "COST", "-1.0"]),
            "RANGES",
            fixedLine(["", "RNG", "LIM 2", "4.0"]),
            "BOUNDS",
            fixedLine(["UP", "BND 1", "X 1", "8.0"]),
            fixedLine(["MI", "BND 1", "X 2"]),
            "QUADOBJ",
            fixedLine(["", "X 1", "X 1", "2.0"]),
            fixedLine(["", "X 2", "X 1", "0.5"]),
            "ENDATA",
        ].joined(separator: "\n")
        let model = try QPSReader.parse(text: text)
        #expect(model.name == "FIXED QP")
        #expect(model.objectiveRowName == "COST")
        #expect(model.rowNames == ["LIM 1", "LIM 2"])
        #expect(model.columnNames == ["X 1", "X 2"])
        let qp = model.program
        #expect(qp.q == [1, -2.5])
        #expect(qp.objectiveConstant == 1)
        #expect(qp.A.dense() == [[1, 2], [1, 0], [1, 0]])
        #expect(qp.l == [-.infinity, 1, 0])
        #expect(qp.u == [10, 5, 8])
        #expect(model.columnToBoundRow == [2, nil])
        #expect(qp.P.dense() == [[2, 0.5], [0, 0]])
    }

    @Test func fixedFormatFileWithoutSpacesReadsAsFree() throws {
        let text = [
            "NAME          FX",
            "ROWS",
            fixedLine(["N", "COST"]),
            fixedLine(["E", "ROW1"]),
            "COLUMNS",
            fixedLine(["", "X1", "COST", "1.0", "ROW1", "1.0"]),
            fixedLine(["", "X2", "ROW1", "-1.0"]),
            "RHS",
            fixedLine(["", "", "ROW1", "3.0"]),      // blank RHS vector name
            "BOUNDS",
            fixedLine(["LO", "", "X2", "-1.0"]),     // blank bound vector name
            "ENDATA",
        ].joined(separator: "\n")
        let model = try QPSReader.parse(text: text)
        #expect(model.program.l == [3, 0, -1])
        #expect(model.program.u == [3, .infinity, .infinity])
    }

    @Test func commentsBlankLinesCRLFAndFortranExponents() throws {
        let text = "* a comment\r\nNAME  C\r\n\r\nROWS\r\n N  obj\r\n L  c\r\n* another\r\nCOLUMNS\r\n"
            + "    x  obj  1.0D+01  c  2.5e-1\r\n   \t\r\nRHS\r\n    RHS  c  1E2\r\nENDATA\r\n"
        let model = try QPSReader.parse(text: text)
        #expect(model.program.q == [10])
        #expect(model.program.A.dense() == [[0.25], [1]])
        #expect(model.program.u == [100, .infinity])
    }

    @Test func readsFromAFileAndReportsMissingFiles() throws {
        let path = TestData.localDirectory + "/HS21.QPS"
        let model = try QPSReader.read(path: path)
        #expect(model.name == "HS21")
        let missing = TestData.localDirectory + "/NO_SUCH_FILE.QPS"
        guard case .io(let p, _)? = qpError({ try QPSReader.read(path: missing) }) else {
            Issue.record("expected an I/O error")
            return
        }
        #expect(p == missing)
    }
}
