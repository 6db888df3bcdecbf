import Sparse

/// File reads and writes of the QP module, through `Sparse.InputFile` / `Sparse.OutputFile`
/// (bounded incremental reads from any kind of path; writes that never replace a device or a link).
enum FileIO {
    /// The bytes of the file at `path` read as `mode`; failures are `QPError.io` naming the path.
    static func read(path: String, mode: InputFile.Mode) throws(QPError) -> InputFile.Contents {
        do { return try InputFile.read(path: path, mode: mode) } catch { throw .io(path: path, message: error.description) }
    }

    /// Writes `text` to `path` (see `OutputFile` for the replacement rule).
    static func write(_ text: String, to path: String) throws(QPError) {
        try write(to: path) { $0.append(text) }
    }

    /// Writes what `produce` appends to `path` (see `OutputFile`).
    static func write(to path: String, _ produce: (inout OutputFile.Writer) -> Void) throws(QPError) {
        do { try OutputFile.write(to: path, produce) } catch { throw .io(path: path, message: "cannot write: \(error.message)") }
    }
}
