import Sparse

/// Writes a `QuadraticProgram` as free-format QPS that `QPSReader` reads back to an identical
/// program (same P, q, A, l, u and r, patterns and explicit zeros included).
///
/// Layout: objective row `obj`, rows `R1…Rm` (one per row of A, in order), columns `C1…Cn`, every
/// column declared free (`FR`) since all bounds already are rows of A, P as its lower triangle in
/// QUADOBJ. A row with l = u is an E row; a one-sided row is L or G; a row with both sides infinite
/// is an L row with right-hand side 1e30; a two-sided row is a G row with right-hand side l and a
/// RANGES entry R. Numbers are written in Swift's shortest round-trip form, infinity as 1e30, except
/// R when no short form works: then R is the exact decimal value of u − l, all digits, which
/// `QPSReader` turns back into exactly u (it rounds the exact sum l + R once; see `QPSReader`).
/// Readers that round R first and then add may be one ulp off on such rows.
///
/// Limitations (file conventions): a finite bound with |v| ≥ 1e20, or a range u − l ≥ 1e20, is read
/// back as infinite.
public enum QPSWriter {
    /// The QPS text of `program`. `name` goes on the NAME line (blanks replaced by `_`). O(nnz + n + m).
    public static func format(_ program: QuadraticProgram, name: String = "QP") -> String {
        let n = program.n, m = program.m
        let A = program.A, P = program.P
        var out = ""
        out.reserveCapacity(64 * (A.nonzeroCount + P.nonzeroCount + n + m) + 128)
        let cleanName = String(name.map { $0.isWhitespace ? "_" : $0 })
        out += cleanName.isEmpty ? "NAME\n" : "NAME          \(cleanName)\n"

        // Row types and the right-hand sides / ranges that reproduce l and u.
        var types: [String] = []
        var rhs: [Double] = []
        var ranges: [String?] = []
        types.reserveCapacity(m)
        for i in 0..<m {
            let lo = program.l[i], hi = program.u[i]
            if lo == hi {
                types.append("E"); rhs.append(lo); ranges.append(nil)
            } else if lo == -.infinity {
                types.append("L"); rhs.append(hi); ranges.append(nil)   // hi may be +∞: written 1e30
            } else if hi == .infinity {
                types.append("G"); rhs.append(lo); ranges.append(nil)
            } else {
                types.append("G"); rhs.append(lo); ranges.append(rangeText(lower: lo, upper: hi))
            }
        }

        out += "ROWS\n N  obj\n"
        for i in 0..<m { out += " \(types[i])  R\(i + 1)\n" }

        out += "COLUMNS\n"
        for j in 0..<n {
            let range = A.pattern.range(ofColumn: j)
            if program.q[j] != 0 || range.isEmpty {
                out += "    C\(j + 1)  obj  \(number(program.q[j]))\n"
            }
            for p in range {
                out += "    C\(j + 1)  R\(A.rowIndices[p] + 1)  \(number(A.values[p]))\n"
            }
        }

        out += "RHS\n"
        if program.objectiveConstant != 0 {
            out += "    RHS  obj  \(number(-program.objectiveConstant))\n"
        }
        for i in 0..<m where rhs[i] != 0 {
            out += "    RHS  R\(i + 1)  \(number(rhs[i]))\n"
        }

        if ranges.contains(where: { $0 != nil }) {
            out += "RANGES\n"
            for i in 0..<m {
                if let r = ranges[i] { out += "    RNG  R\(i + 1)  \(r)\n" }
            }
        }

        out += "BOUNDS\n"
        for j in 0..<n { out += " FR BND  C\(j + 1)\n" }

        if P.nonzeroCount > 0 {
            out += "QUADOBJ\n"
            for j in 0..<n {
                for p in P.pattern.range(ofColumn: j) {
                    // Upper entry (i, j), i ≤ j, written as the lower-triangle entry (j, i).
                    out += "    C\(j + 1)  C\(P.rowIndices[p] + 1)  \(number(P.values[p]))\n"
                }
            }
        }
        out += "ENDATA\n"
        return out
    }

    /// Writes `format(program, name:)` to `path`.
    public static func write(_ program: QuadraticProgram, name: String = "QP", to path: String) throws(QPError) {
        try FileIO.write(format(program, name: name), to: path)
    }

    /// Shortest round-trip decimal form; ±∞ as ±1e30.
    static func number(_ v: Double) -> String {
        if v == .infinity { return "1e30" }
        if v == -.infinity { return "-1e30" }
        return "\(v)"
    }

    /// The text of the range R of a G row with right-hand side `number(lower)` that `QPSReader`
    /// reads back as exactly [lower, upper] (lower < upper, both finite): the shortest R when it
    /// works, otherwise the exact decimal value of upper − b, where b is the exact value of the RHS
    /// text, so that the reader's correctly rounded b + R is upper.
    static func rangeText(lower: Double, upper: Double) -> String {
        let lowerText = Array(number(lower).utf8)
        let short = upper - lower
        let shortText = number(short)
        if RangeArithmetic.bound(rhs: lower, rhsText: lowerText, range: short,
                                 rangeText: Array(shortText.utf8), subtract: false) == upper {
            return shortText
        }
        let b = ExactDecimal(parsing: lowerText) ?? ExactDecimal(lower)
        return (ExactDecimal(upper) - b).text
    }
}
