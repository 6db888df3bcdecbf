/// Whether the objective of a file is minimized or maximized.
public enum ObjectiveSense: Equatable, Sendable {
    case minimize
    case maximize
}

/// A problem read from a QPS file: the program in solver form plus the names and index maps needed
/// to report results in the file's terms.
///
/// Layout of `program.A` (m rows):
/// 1. the file's constraint rows, in ROWS order (free N rows are left out unless the reader was
///    asked to keep them, see `QPSReader.FreeRows`);
/// 2. one identity row per column with a finite bound, in column order, holding that column's bounds
///    (columns free on both sides get no row unless free rows are kept).
///
/// `program` always minimizes. For an `OBJSENSE MAX` file it holds −P, −q and −r (it minimizes −f);
/// use `fileObjective(at:)` or `fileObjective(fromSolverObjective:)` to report f.
public struct QPSModel: Equatable, Sendable {
    /// The name on the NAME line ("" if none).
    public let name: String
    /// Column (variable) names, in the order of the variables of `program` (`C1`…`Cn` for a model
    /// without names, built when asked for).
    public var columnNames: [String] { names.columns ?? (0..<program.n).map { "C\($0 + 1)" } }
    /// The names of the non-objective rows, in ROWS order; free N rows included (`R1`…`Rm` for a
    /// model without names).
    public var rowNames: [String] { names.rows ?? (0..<rowToConstraint.count).map { "R\($0 + 1)" } }
    /// The names given, or nil for numbered ones (a `.qpb` file stores none; numbering 10⁶ columns
    /// up front would cost about as much as reading the file).
    private let names: (columns: [String]?, rows: [String]?)
    /// The name of the objective row (the first N row), or nil when the file has no N row.
    public let objectiveRowName: String?
    /// The problem in solver form (minimization, bounds as rows of A).
    public let program: QuadraticProgram
    /// The sense declared by OBJSENSE (`.minimize` when absent).
    public let objectiveSense: ObjectiveSense
    /// For each entry of `rowNames`: its row in `program.A`, or nil for a free row that was left out.
    public let rowToConstraint: [Int?]
    /// For each column: the row of `program.A` holding its bounds, or nil when the column is free
    /// (−∞, ∞) and got no row.
    public let columnToBoundRow: [Int?]

    /// Creates a model; used by `QPSReader`. The maps must index rows of `program.A`.
    public init(name: String, columnNames: [String], rowNames: [String], objectiveRowName: String?,
                program: QuadraticProgram, objectiveSense: ObjectiveSense,
                rowToConstraint: [Int?], columnToBoundRow: [Int?]) {
        self.name = name
        self.names = (columnNames, rowNames)
        self.objectiveRowName = objectiveRowName
        self.program = program
        self.objectiveSense = objectiveSense
        self.rowToConstraint = rowToConstraint
        self.columnToBoundRow = columnToBoundRow
    }

    /// A model without names (`columnNames` and `rowNames` numbered on demand): every row of A is a
    /// file row (`rowToConstraint[i] = i`), no column has a bound row, minimization, no objective row.
    init(unnamed program: QuadraticProgram, name: String) {
        self.name = name
        self.names = (nil, nil)
        self.objectiveRowName = nil
        self.program = program
        self.objectiveSense = .minimize
        self.rowToConstraint = (0..<program.m).map { $0 }
        self.columnToBoundRow = [Int?](repeating: nil, count: program.n)
    }

    public static func == (a: QPSModel, b: QPSModel) -> Bool {
        a.name == b.name && a.objectiveRowName == b.objectiveRowName && a.program == b.program
            && a.objectiveSense == b.objectiveSense && a.rowToConstraint == b.rowToConstraint
            && a.columnToBoundRow == b.columnToBoundRow && a.columnNames == b.columnNames && a.rowNames == b.rowNames
    }

    /// The objective of the file, f(x) = ½xᵀQx + cᵀx + r, at `x` (for MAX files the negative of
    /// `program.objective(at:)`). NaN when `x.count != program.n`.
    public func fileObjective(at x: [Double]) -> Double {
        fileObjective(fromSolverObjective: program.objective(at: x))
    }

    /// Converts an objective value of `program` into the file's objective (negated for MAX files).
    public func fileObjective(fromSolverObjective value: Double) -> Double {
        objectiveSense == .maximize ? -value : value
    }

    /// Maps a dual vector of `program` (one entry per row of A) to the file's layout: one value per
    /// entry of `rowNames` (0 for a free row without a row in A) and one per column (0 for a free
    /// column without a bound row). Values are the duals of the minimization problem `program`;
    /// for a MAX file negate them to obtain the duals of the maximization. O(m + n).
    ///
    /// `y` should have `program.m` entries; a row not covered by a shorter `y` reads as NaN.
    public func fileRowDuals(_ y: [Double]) -> (rows: [Double], bounds: [Double]) {
        func value(_ row: Int?) -> Double {
            guard let row else { return 0 }
            return row < y.count ? y[row] : .nan
        }
        return (rowToConstraint.map(value), columnToBoundRow.map(value))
    }
}
