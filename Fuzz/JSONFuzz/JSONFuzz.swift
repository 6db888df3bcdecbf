// libFuzzer target: the JSON vector reader behind `sparseqp grad --dx/--dy`. Any input must give a
// `JSONVectorInput` or a typed `QPError`; a parsed input, written back as JSON, must parse to the
// same value (numbers in Swift's shortest round-trip form, keys fully \u-escaped).
import QP

/// `s` as a JSON string with every UTF-16 code unit written as a `\uXXXX` escape (surrogate pairs
/// for scalars beyond the BMP), so the round trip also exercises the reader's escape decoding.
private func appendString(_ s: String, to out: inout String) {
    out += "\""
    for unit in s.utf16 {
        let hex = String(unit, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
    out += "\""
}

private func appendNumbers(_ values: [Double], to out: inout String) {
    out += "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
}

/// `input` as a JSON document: the array, or an object with the number arrays first (sorted by key)
/// and then each other key with the value null.
private func document(_ input: JSONVectorInput) -> String {
    var out = ""
    if let array = input.array {
        appendNumbers(array, to: &out)
        return out
    }
    var members: [String] = []
    for key in input.fields.keys.sorted() {
        var member = ""
        appendString(key, to: &member)
        member += ": "
        appendNumbers(input.fields[key]!, to: &member)
        members.append(member)
    }
    for key in input.otherKeys {
        var member = ""
        appendString(key, to: &member)
        members.append(member + ": null")
    }
    return "{" + members.joined(separator: ", ") + "}"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let input = try? JSONVectorReader.parse(bytes) else { return 0 }
    let text = document(input)
    let again: JSONVectorInput
    do { again = try JSONVectorReader.parse(Array(text.utf8)) } catch {
        fatalError("JSON: written document does not parse: \(error)\n\(text)")
    }
    if again != input { fatalError("JSON round trip changed the input:\n\(text)") }
    return 0
}
