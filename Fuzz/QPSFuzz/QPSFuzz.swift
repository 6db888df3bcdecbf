// libFuzzer target: QPS parsing. Any input must give a model or a typed `QPError`, with free rows
// omitted and included. A parsed program within `QPSWriter`'s documented limits (finite bounds,
// ranges and objective constant below 1e20 in magnitude) must be written and read back identically.
import QP

/// `QPSWriter` reads back |v| ≥ 1e20 as infinite (the QPS file convention).
private let qpsInfinity = 1e20

private func withinWriterLimits(_ program: QuadraticProgram) -> Bool {
    guard abs(program.objectiveConstant) < qpsInfinity else { return false }
    for (lo, hi) in zip(program.l, program.u) {
        if lo.isFinite && abs(lo) >= qpsInfinity { return false }
        if hi.isFinite && abs(hi) >= qpsInfinity { return false }
        if lo.isFinite && hi.isFinite && hi - lo >= qpsInfinity { return false }
    }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQPS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    for freeRows in [QPSReader.FreeRows.omitted, .included] {
        guard let model = try? QPSReader.parse(bytes: bytes, freeRows: freeRows) else { continue }
        let program = model.program
        guard withinWriterLimits(program) else { continue }
        let text = QPSWriter.format(program)
        let again: QuadraticProgram
        do { again = try QPSReader.parse(text: text).program } catch {
            fatalError("QPS: written text does not parse: \(error)\n\(text)")
        }
        if again != program { fatalError("QPS round trip changed the program:\n\(text)") }
    }
    return 0
}
