// libFuzzer target: Matrix Market parsing. Any input must give a matrix or a typed
// `SparseFormatError`; a parsed matrix must survive `full()`, `upperTriangle()` (error allowed) and
// write → read back to the identical stored matrix.
import Sparse

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatrixMarket(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    guard let matrix = try? MatrixMarket.parse(bytes: buffer, path: "<fuzz>") else { return 0 }
    _ = matrix.full()
    _ = try? matrix.upperTriangle()
    let text: String
    do { text = try MatrixMarket.format(matrix.stored, symmetry: matrix.symmetry) } catch {
        fatalError("Matrix Market: a parsed matrix cannot be written: \(error)")
    }
    let again: MatrixMarketMatrix
    do { again = try MatrixMarket.parse(text, path: "<round trip>") } catch {
        fatalError("Matrix Market: written text does not parse: \(error)\n\(text)")
    }
    if again != matrix { fatalError("Matrix Market round trip changed the matrix:\n\(text)") }
    return 0
}
