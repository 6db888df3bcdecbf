import Foundation
import Sparse
@testable import QP

/// Paths of the test data, found relative to this source file.
enum TestData {
    /// `datasets/maros-meszaros` of this package.
    static let localDirectory: String = {
        let components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        return (components.dropLast(3) + ["datasets", "maros-meszaros"]).joined(separator: "/")
    }()

    /// `/work/shared/datasets/maros-meszaros` (../../../shared/datasets from Tests/QPTests), if present.
    static let sharedDirectory: String = {
        let components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        return (components.dropLast(4) + ["shared", "datasets", "maros-meszaros"]).joined(separator: "/")
    }()

    static var sharedIsPresent: Bool {
        FileManager.default.fileExists(atPath: sharedDirectory + "/reference.csv")
    }

    /// Problem names of the shared reference.csv, sorted; empty when the folder is missing.
    static let sharedNames: [String] = {
        guard sharedIsPresent, let references = try? references(in: sharedDirectory) else { return [] }
        return references.keys.sorted()
    }()

    struct Reference {
        var name: String
        var n: Int
        var m: Int
        var nnzP: Int
        var nnzA: Int
        var objective: Double
    }

    /// Rows of a reference.csv keyed by problem name.
    static func references(in directory: String) throws -> [String: Reference] {
        let text = try String(contentsOfFile: directory + "/reference.csv", encoding: .utf8)
        var result: [String: Reference] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {   // the file has CRLF line ends
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6, let n = Int(f[1]), let m = Int(f[2]), let p = Int(f[3]), let a = Int(f[4]),
                  let objective = Double(f[5]) else { continue }
            result[f[0]] = Reference(name: f[0], n: n, m: m, nnzP: p, nnzA: a, objective: objective)
        }
        return result
    }
}

/// nnz of the full symmetric matrix whose upper triangle is `upper`.
func fullSymmetricNonzeroCount(_ upper: CSCMatrix) -> Int {
    var diagonal = 0
    for j in 0..<upper.columnCount {
        for p in upper.pattern.range(ofColumn: j) where upper.rowIndices[p] == j { diagonal += 1 }
    }
    return 2 * upper.nonzeroCount - diagonal
}

/// Builds a CSC matrix from dense rows (zeros are not stored).
func sparse(_ rows: [[Double]]) -> CSCMatrix {
    let m = rows.count, n = rows.first?.count ?? 0
    var builder = TripletBuilder(rowCount: m, columnCount: n)
    for i in 0..<m { for j in 0..<n where rows[i][j] != 0 { builder.append(row: i, column: j, value: rows[i][j]) } }
    return (try? builder.build()) ?? CSCMatrix.zeros(rowCount: m, columnCount: n)
}

/// Builds a CSC matrix with the given entries stored (explicit zeros and non-finite values kept).
func matrix(_ rowCount: Int, _ columnCount: Int, _ entries: [(Int, Int, Double)]) -> CSCMatrix {
    var pointers = [Int](repeating: 0, count: columnCount + 1)
    let sorted = entries.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    for e in sorted { pointers[e.1 + 1] += 1 }
    for j in 0..<columnCount { pointers[j + 1] += pointers[j] }
    let pattern = SparsityPattern(uncheckedRowCount: rowCount, columnCount: columnCount,
                                  columnPointers: pointers, rowIndices: sorted.map { $0.0 })
    return CSCMatrix(uncheckedPattern: pattern, values: sorted.map { $0.2 })
}

/// Parses QPS text built from lines.
func parseLines(_ lines: [String], freeRows: QPSReader.FreeRows = .omitted) throws(QPError) -> QPSModel {
    try QPSReader.parse(text: lines.joined(separator: "\n") + "\n", freeRows: freeRows)
}

/// A fixed-MPS data line: fields placed at columns 2, 5, 15, 25, 40, 50 (1-based).
func fixedLine(_ fields: [String]) -> String {
    let starts = [1, 4, 14, 24, 39, 49]
    var line = [Character](repeating: " ", count: 61)
    for (k, field) in fields.enumerated() {
        for (offset, c) in field.enumerated() { line[starts[k] + offset] = c }
    }
    var s = String(line)
    while s.last == " " { s.removeLast() }
    return s
}

/// The `QPError` thrown by `body`, or nil when it returns. (Closures are inferred as throwing
/// `any Error`; the APIs under test throw only `QPError`.)
func qpError<T>(_ body: () throws -> T) -> QPError? {
    do { _ = try body(); return nil } catch { return error as? QPError }
}
