/// A minimal JSON value with deterministic key order (insertion order) for the CLI's output.
/// Non-finite numbers are written as null (JSON has no NaN/Infinity).
indirect enum JSON {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    static func numbers(_ values: [Double]) -> JSON { .array(values.map { .number($0) }) }
    static func integers(_ values: [Int]) -> JSON { .array(values.map { .integer($0) }) }

    func rendered() -> String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .number(let v):
            if v.isFinite {
                // Swift's description round-trips; integers print without a trailing ".0".
                if v == v.rounded(), abs(v) < 1e15 { out += String(Int64(v)) } else { out += "\(v)" }
            } else { out += "null" }
        case .integer(let i): out += String(i)
        case .string(let s): JSON.escape(s, into: &out)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (k, (key, value)) in fields.enumerated() {
                if k > 0 { out += "," }
                JSON.escape(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(scalar) }
            }
        }
        out += "\""
    }
}
