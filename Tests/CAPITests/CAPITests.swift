// Compiles capi_test.c (the C API's test program) with the system C compiler against the
// libsparseqp_c.so built next to this test bundle by `swift build --build-tests`, runs it, and
// requires exit status 0 and its summary line.

import Foundation
import Testing

/// The build products directory of this test bundle (where libsparseqp_c.so is).
func productsDirectory() -> URL? {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("libsparseqp_c.so").path) { return dir }
        dir.deleteLastPathComponent()
    }
    return nil
}

func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct CAPITests {
    @Test func cProgramPassesEveryCheck() throws {
        let products = try #require(productsDirectory(), "libsparseqp_c.so not found next to the test bundle")
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = here.deletingLastPathComponent().deletingLastPathComponent()
        // The header users see (include/sparseqp.h; the target's include/ holds a symlink to it).
        let include = root.appendingPathComponent("include").path
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("sparseqp-capi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let (ccStatus, ccOutput) = try runProcess("/usr/bin/env", [
            "cc", "-std=c99", "-Wall", "-Werror", "-o", binary, here.appendingPathComponent("capi_test.c").path,
            "-I", include, "-L", products.path, "-lsparseqp_c", "-Wl,-rpath," + products.path, "-lm"])
        #expect(ccStatus == 0, "cc failed:\n\(ccOutput)")
        guard ccStatus == 0 else { return }
        let (status, output) = try runProcess(binary, [])
        #expect(status == 0, "capi_test failed:\n\(output)")
        #expect(output.contains(", 0 failed"), "no summary line:\n\(output)")
    }
}
