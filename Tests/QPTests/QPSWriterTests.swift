import Sparse
import Testing
@testable import QP

/// Writing a program and reading it back gives the identical program.
@Suite struct QPSWriterTests {
    func roundTrip(_ program: QuadraticProgram, name: String = "RT") throws -> QuadraticProgram {
        try QPSReader.parse(text: QPSWriter.format(program, name: name)).program
    }

    @Test(arguments: DatasetTests.localNames)
    func datasetFilesRoundTrip(name: String) throws {
        let original = try QPSReader.read(path: TestData.localDirectory + "/\(name).QPS").program
        let again = try roundTrip(original, name: name)
        #expect(again == original)
        // Field by field, for a readable failure.
        #expect(again.P == original.P && again.q == original.q && again.A == original.A)
        #expect(again.l == original.l && again.u == original.u)
        #expect(again.objectiveConstant == original.objectiveConstant)
    }

    @Test func smallProgramWithEveryRowKind() throws {
        // Rows: equality, ≤ only, ≥ only, two-sided, free; P with an explicit zero; an empty column.
        let P = matrix(3, 3, [(0, 0, 2), (0, 1, 0), (1, 1, 1e-300), (0, 2, -0.1)])
        let A = matrix(5, 3, [(0, 0, 1), (1, 0, 0.1), (1, 1, 0.2), (2, 1, -3), (3, 0, 1e20), (4, 1, 0)])
        let qp = try QuadraticProgram(P: P, q: [0.1, 0, -1e-17], A: A,
                                      l: [0.3, -.infinity, -2, 0.1, -.infinity],
                                      u: [0.3, 7, .infinity, 0.7, .infinity],
                                      objectiveConstant: -1.0 / 3)
        let text = QPSWriter.format(qp, name: "small one")
        #expect(text.hasPrefix("NAME          small_one\n"))
        #expect(text.contains("RANGES\n"))
        #expect(text.hasSuffix("ENDATA\n"))
        let model = try QPSReader.parse(text: text)
        #expect(model.name == "small_one")
        #expect(model.program == qp)
        #expect(model.program.A.nonzeroCount == 6 && model.program.P.nonzeroCount == 4)
    }

    @Test func randomProgramsRoundTripExactly() throws {
        var g = SplitMix(seed: 2024)
        for _ in 0..<20 {
            let n = 1 + Int(g.next() % 12), m = Int(g.next() % 15)
            var pEntries: [(Int, Int, Double)] = []
            for j in 0..<n { for i in 0...j where g.unit() < 0.3 { pEntries.append((i, j, g.awkward())) } }
            var aEntries: [(Int, Int, Double)] = []
            for j in 0..<n { for i in 0..<m where g.unit() < 0.3 { aEntries.append((i, j, g.awkward())) } }
            var l: [Double] = [], u: [Double] = []
            for _ in 0..<m {
                let a = g.awkward(), b = g.awkward()
                switch g.next() % 6 {
                case 0: l.append(a); u.append(a)
                case 1: l.append(-.infinity); u.append(a)
                case 2: l.append(a); u.append(.infinity)
                case 3: l.append(-.infinity); u.append(.infinity)
                default: l.append(min(a, b)); u.append(max(a, b))
                }
            }
            let q = (0..<n).map { _ in g.unit() < 0.5 ? 0 : g.awkward() }
            let qp = try QuadraticProgram(P: matrix(n, n, pEntries), q: q, A: matrix(m, n, aEntries),
                                          l: l, u: u, objectiveConstant: g.awkward())
            #expect(try roundTrip(qp) == qp)
        }
    }

    @Test func twoSidedRowsAreReproducedExactly() throws {
        // [−1.2, 2.4]: no double R has fl(−1.2 + R) = 2.4 or fl(2.4 − R) = −1.2, so the writer must
        // give R in full and the reader must add exactly.
        let hard = QPSWriter.rangeText(lower: -1.2, upper: 2.4)
        #expect(hard.count > 20)
        var g = SplitMix(seed: 7)
        var pairs: [(Double, Double)] = [(-1.2, 2.4), (0.1, 0.3), (-0.1, 0), (0, 1), (-5.5, 6.7), (1e-300, 1e19)]
        for _ in 0..<3000 {
            let a = g.awkward(), b = g.awkward()
            if a != b { pairs.append((min(a, b), max(a, b))) }
        }
        let m = pairs.count
        let qp = try QuadraticProgram(P: .zeros(rowCount: 1, columnCount: 1), q: [0],
                                      A: matrix(m, 1, (0..<m).map { ($0, 0, 1.0) }),
                                      l: pairs.map(\.0), u: pairs.map(\.1))
        let back = try roundTrip(qp)
        #expect(back.l == qp.l)
        #expect(back.u == qp.u)
    }

    @Test func exactDecimalArithmetic() throws {
        #expect(ExactDecimal(0.5).text == "5e-1")
        #expect(ExactDecimal(-1024).text == "-1024")
        #expect(ExactDecimal(0.1).text == "1000000000000000055511151231257827021181583404541015625e-55")
        #expect(ExactDecimal(.leastNonzeroMagnitude).doubleValue == .leastNonzeroMagnitude)
        #expect(ExactDecimal(.greatestFiniteMagnitude).doubleValue == .greatestFiniteMagnitude)
        let a = try #require(ExactDecimal(parsing: Array("-0.1".utf8)))
        let b = try #require(ExactDecimal(parsing: Array("+1.00D-1".utf8)))
        #expect((a + b).isZero)
        #expect((b - a).text == "2e-1")
        #expect(ExactDecimal(parsing: Array("1e".utf8)) == nil)
        #expect(ExactDecimal(parsing: Array(".".utf8)) == nil)
        var g = SplitMix(seed: 11)
        for _ in 0..<500 {
            let x = g.awkward(), y = g.awkward()
            #expect(ExactDecimal(x).doubleValue == x)
            #expect((ExactDecimal(x) + ExactDecimal(y)).doubleValue == x + y)   // both round once, exactly
        }
    }

    @Test func writesAndReadsAFile() throws {
        let original = try QPSReader.read(path: TestData.localDirectory + "/HS76.QPS").program
        let path = "/tmp/sparseqp-qptests-\(UInt64.random(in: 0...UInt64.max)).QPS"
        try QPSWriter.write(original, name: "HS76", to: path)
        #expect(try QPSReader.read(path: path).program == original)
        #expect(qpError { try QPSWriter.write(original, to: "/nonexistent-dir/x.QPS") } != nil)
    }
}

/// A tiny deterministic generator (SplitMix64) with values that stress decimal round trips.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Finite values of very different magnitudes (below the 1e20 "infinite" threshold of the files).
    mutating func awkward() -> Double {
        let sign: Double = next() % 2 == 0 ? 1 : -1
        switch next() % 5 {
        case 0: return sign * unit()
        case 1: return sign * unit() * 1e-12
        case 2: return sign * unit() * 1e19
        case 3: return sign * Double(next() % 100) / 10
        default: return sign * (1 + unit()) * 1e3
        }
    }
}
