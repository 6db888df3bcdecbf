import Sparse

/// The problem file formats, told apart by their first bytes (never by the file name): a `.qpb`
/// binary file starts with `QPBinary.magic`; anything else is read as QPS text.
public enum ProblemFormat: String, Sendable, Equatable, CaseIterable {
    case qps
    case qpb

    /// The format of a file whose first bytes are `prefix` (at least `QPBinary.magic.count` bytes,
    /// or the whole file when it is shorter).
    public init(prefix: some Sequence<UInt8>) {
        self = prefix.starts(with: QPBinary.magic) ? .qpb : .qps
    }
}

/// Reads a problem file in either format, the format decided by its content (`ProblemFormat`), in
/// one pass over the input (pipes and devices included): QPS text with the same checks as
/// `QPSReader.read`, or `.qpb` with those of `QPBinary.decode`. A `.qpb` file named `x.qps` or
/// without extension, and a QPS file named `x.qpb`, are read by what they hold.
public enum ProblemFile {
    /// The problem and how it was stored.
    public struct Contents: Sendable {
        public var format: ProblemFormat
        public var model: QPSModel
    }

    /// Reads the file at `path`. A `.qpb` file has no names: its model is `QPSModel(binary:name:)`.
    public static func read(path: String, freeRows: QPSReader.FreeRows = .omitted) throws(QPError) -> Contents {
        let bytes = try readBytes(path: path)
        switch bytes.format {
        case .qpb: return Contents(format: .qpb, model: QPSModel(binary: try QPBinary.decode(bytes.contents.bytes), name: stem(of: path)))
        case .qps: return Contents(format: .qps, model: try QPSReader.model(from: bytes.contents, freeRows: freeRows))
        }
    }

    /// The program of the file at `path` (for callers that need no names; a `.qpb` file builds none).
    public static func readProgram(path: String) throws(QPError) -> QuadraticProgram {
        let bytes = try readBytes(path: path)
        switch bytes.format {
        case .qpb: return try QPBinary.decode(bytes.contents.bytes)
        case .qps: return try QPSReader.model(from: bytes.contents, freeRows: .omitted).program
        }
    }

    private static func readBytes(path: String) throws(QPError) -> (format: ProblemFormat, contents: InputFile.Contents) {
        let contents = try FileIO.read(path: path, mode: .binaryIfMagic(
            magic: QPBinary.magic, maximumLineLength: InputFile.maximumLineLength, lineCheck: QPSReader.lineCheck))
        return (ProblemFormat(prefix: contents.bytes.prefix(QPBinary.magic.count)), contents)
    }

    /// The last path component without its extension (the model's name).
    static func stem(of path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return last }
        return String(last[..<dot])
    }
}

extension QPSModel {
    /// The model of a program read from a `.qpb` file, which stores no names: columns are named
    /// `C1`…`Cn`, rows `R1`…`Rm` (numbered when asked for); every row of A is a file row
    /// (`rowToConstraint[i] = i`) and no column has a bound row (bounds on x are rows of A like any
    /// other). Minimization, no objective row name.
    public init(binary program: QuadraticProgram, name: String) {
        self.init(unnamed: program, name: name)
    }
}
