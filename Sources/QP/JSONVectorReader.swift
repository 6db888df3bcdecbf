/// A small, strict JSON reader for vector inputs (`sparseqp grad --dx FILE --dy FILE`).
///
/// Accepted documents (RFC 8259 syntax, UTF-8):
/// - an array of numbers: `[1, 2.5, -3e-2]`;
/// - an object whose members are arrays of numbers, e.g. `{"dx": [...]}`, `{"dy": [...]}`,
///   `{"dy_rows": [...], "dy_bounds": [...]}`. Members with other values (strings, nested objects)
///   are allowed and listed in `otherKeys`, so a caller can say which key had the wrong type.
///
/// Every syntax error is a `QPError.json` with the byte offset (0-based) and line:column (1-based,
/// columns counted in bytes) of the offending byte. Quoted input in messages is cut to
/// `JSONVectorReader.quotedInputLimit` characters, so a 10 MB token is never echoed whole. Nesting
/// deeper than `nestingLimit` is refused (the parser is recursive; the limit bounds its stack).
/// Numbers must be finite `Double`s: `1e999` is an error, not infinity.
public enum JSONVectorReader {
    /// Longest piece of input quoted in an error message: enough to recognize a token, short
    /// enough that a runaway token (megabytes without a delimiter) does not flood the terminal.
    public static let quotedInputLimit = 40
    /// Deepest nesting of arrays/objects accepted. Vector inputs need depth 2; the limit only
    /// keeps the recursive parser's stack bounded on hostile input.
    public static let nestingLimit = 64

    /// Reads and parses the file at `path` (`QPError.io` if it cannot be read). Reading stops at
    /// the first control byte (never valid in JSON text), so binary input such as `/dev/zero` ends
    /// with a positioned syntax error; there is no line limit (a vector is often one long line).
    public static func read(path: String) throws(QPError) -> JSONVectorInput {
        try parse(FileIO.read(path: path, mode: .text(maximumLineLength: nil)).bytes)
    }

    /// Parses `bytes` as one of the accepted documents.
    public static func parse(_ bytes: [UInt8]) throws(QPError) -> JSONVectorInput {
        var parser = JSONVectorParser(bytes: bytes)
        let value = try parser.document()
        switch value {
        case .array(let items, let offset):
            return JSONVectorInput(array: try parser.numbers(items, at: offset, what: "the top-level array"), fields: [:], otherKeys: [])
        case .object(let members, _):
            var fields: [String: [Double]] = [:]
            var other: [String] = []
            for (key, member) in members {
                if case .array(let items, _) = member, let numbers = JSONVectorParser.numbersIfAll(items) {
                    fields[key] = numbers
                } else {
                    other.append(key)
                }
            }
            return JSONVectorInput(array: nil, fields: fields, otherKeys: other)
        default:
            throw parser.error(at: value.offset, .wrongTopLevel(found: value.kind))
        }
    }

    /// `text` cut to `quotedInputLimit` characters, with "…" marking a cut.
    public static func quoted(_ text: some StringProtocol) -> String {
        text.count <= quotedInputLimit ? String(text) : String(text.prefix(quotedInputLimit)) + "…"
    }
}

/// The content of a JSON vector document (see `JSONVectorReader`).
public struct JSONVectorInput: Equatable, Sendable {
    /// The numbers, when the document is a top-level array.
    public var array: [Double]?
    /// For a top-level object: the members whose values are arrays of numbers, by key.
    public var fields: [String: [Double]]
    /// For a top-level object: the keys whose values are not arrays of numbers, in document order.
    public var otherKeys: [String]

    public init(array: [Double]?, fields: [String: [Double]], otherKeys: [String]) {
        self.array = array
        self.fields = fields
        self.otherKeys = otherKeys
    }
}

/// What is wrong with a JSON document (reported with its position by `QPError.json`).
public enum JSONIssue: Error, Equatable, Sendable, CustomStringConvertible {
    /// The document ends where `expected` was required.
    case unexpectedEnd(expected: String)
    /// `found` (quoted, truncated) appears where `expected` was required.
    case unexpectedCharacter(found: String, expected: String)
    /// A number that does not follow the JSON grammar (quoted, truncated).
    case invalidNumber(String)
    /// A number too large for a Double (quoted, truncated).
    case numberOutOfRange(String)
    /// A backslash escape other than \" \\ \/ \b \f \n \r \t \uXXXX.
    case invalidEscape(String)
    /// A raw control character (below U+0020) inside a string.
    case controlCharacterInString
    /// Bytes that are not valid UTF-8 inside a string.
    case invalidUTF8
    /// Arrays/objects nested deeper than `JSONVectorReader.nestingLimit`.
    case nestingTooDeep(limit: Int)
    /// Text after the end of the top-level value (quoted, truncated).
    case trailingContent(String)
    /// The top-level value is not an array or an object.
    case wrongTopLevel(found: String)
    /// Element `index` of an array that must hold numbers is `found` (a JSON type name).
    case notANumber(index: Int, found: String, array: String)

    public var description: String {
        switch self {
        case .unexpectedEnd(let e): return "unexpected end of input, expected \(e)"
        case .unexpectedCharacter(let f, let e): return "unexpected '\(f)', expected \(e)"
        case .invalidNumber(let s): return "invalid number '\(s)'"
        case .numberOutOfRange(let s): return "number '\(s)' is out of range for a double"
        case .invalidEscape(let s): return "invalid escape '\(s)' in a string"
        case .controlCharacterInString: return "unescaped control character in a string"
        case .invalidUTF8: return "invalid UTF-8 in a string"
        case .nestingTooDeep(let limit): return "arrays/objects nested deeper than \(limit)"
        case .trailingContent(let s): return "unexpected text after the JSON value: '\(s)'"
        case .wrongTopLevel(let f): return "expected an array of numbers or an object, found \(f)"
        case .notANumber(let index, let found, let array): return "element \(index) of \(array) is \(found), expected a number"
        }
    }
}

/// A parsed JSON value with the byte offset where it starts.
private indirect enum JSONValue {
    case number(Double, Int)
    case string(String, Int)
    case bool(Bool, Int)
    case null(Int)
    case array([JSONValue], Int)
    case object([(String, JSONValue)], Int)

    var offset: Int {
        switch self {
        case .number(_, let o), .string(_, let o), .bool(_, let o), .null(let o), .array(_, let o), .object(_, let o): return o
        }
    }

    var kind: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Recursive-descent parser over the bytes; `position` is the next byte to read.
private struct JSONVectorParser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The error `issue` at byte `offset`, with its line and column.
    func error(at offset: Int, _ issue: JSONIssue) -> QPError {
        var line = 1, lineStart = 0
        for k in 0..<min(offset, bytes.count) where bytes[k] == UInt8(ascii: "\n") {
            line += 1
            lineStart = k + 1
        }
        return .json(offset: offset, line: line, column: offset - lineStart + 1, issue: issue)
    }

    mutating func document() throws(QPError) -> JSONValue {
        // A UTF-8 byte order mark is tolerated (some editors write one).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        let value = try value(depth: 0)
        skipWhitespace()
        if position < bytes.count { throw error(at: position, .trailingContent(token(at: position))) }
        return value
    }

    static func numbersIfAll(_ items: [JSONValue]) -> [Double]? {
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .number(let v, _) = item else { return nil }
            out.append(v)
        }
        return out
    }

    func numbers(_ items: [JSONValue], at offset: Int, what: String) throws(QPError) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            guard case .number(let v, _) = item else {
                throw error(at: item.offset, .notANumber(index: k, found: item.kind, array: what))
            }
            out.append(v)
        }
        return out
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The input starting at `offset` up to the next delimiter, quoted and truncated for a message.
    func token(at offset: Int) -> String {
        var end = offset
        let limit = min(bytes.count, offset + JSONVectorReader.quotedInputLimit + 1)
        while end < limit, !Self.isDelimiter(bytes[end]) { end += 1 }
        if end == offset { end = min(offset + 1, bytes.count) }
        var text = ""
        for scalar in String(decoding: bytes[offset..<end], as: UTF8.self).unicodeScalars {
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return JSONVectorReader.quoted(text)
    }

    static func isDelimiter(_ b: UInt8) -> Bool {
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"),
             UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ":"), UInt8(ascii: "\""): return true
        default: return false
        }
    }

    func unexpected(_ expected: String) -> QPError {
        if position >= bytes.count { return error(at: position, .unexpectedEnd(expected: expected)) }
        return error(at: position, .unexpectedCharacter(found: token(at: position), expected: expected))
    }

    mutating func value(depth: Int) throws(QPError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw error(at: position, .unexpectedEnd(expected: "a value")) }
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < JSONVectorReader.nestingLimit else {
                throw error(at: start, .nestingTooDeep(limit: JSONVectorReader.nestingLimit))
            }
            return bytes[position] == UInt8(ascii: "[") ? try array(depth: depth + 1) : try object(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string(), start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number(), start)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true, start)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false, start)
        case UInt8(ascii: "n"): try literal("null"); return .null(start)
        default: throw unexpected("a value")
        }
    }

    mutating func literal(_ word: StaticString) throws(QPError) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { w in
            position + count <= bytes.count && (0..<count).allSatisfy { bytes[position + $0] == w[$0] }
        }
        guard matches, position + count == bytes.count || Self.isDelimiter(bytes[position + count]) else {
            throw unexpected("a value")
        }
        position += count
    }

    mutating func array(depth: Int) throws(QPError) -> JSONValue {
        let start = position
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items, start) }
        while true {
            items.append(try value(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw unexpected("',' or ']' in an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items, start) }
            throw unexpected("',' or ']' in an array")
        }
    }

    mutating func object(depth: Int) throws(QPError) -> JSONValue {
        let start = position
        position += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members, start) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw unexpected("a string key in an object") }
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw unexpected("':' after an object key") }
            position += 1
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            guard position < bytes.count else { throw unexpected("',' or '}' in an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members, start) }
            throw unexpected("',' or '}' in an object")
        }
    }

    /// A string starting at the opening quote; leaves `position` after the closing quote.
    mutating func string() throws(QPError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        while true {
            guard position < bytes.count else { throw error(at: position, .unexpectedEnd(expected: "'\"' closing a string")) }
            let b = bytes[position]
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(try escape())
            case 0..<0x20:
                throw error(at: position, .controlCharacterInString)
            case 0..<0x80:
                scalars.append(Unicode.Scalar(b))
                position += 1
            default:
                scalars.append(try utf8Scalar())
            }
        }
    }

    /// One multi-byte UTF-8 sequence starting at `position`.
    mutating func utf8Scalar() throws(QPError) -> Unicode.Scalar {
        let lead = bytes[position]
        let length: Int, initial: UInt32, minimum: UInt32
        switch lead {
        case 0xC2...0xDF: (length, initial, minimum) = (2, UInt32(lead & 0x1F), 0x80)
        case 0xE0...0xEF: (length, initial, minimum) = (3, UInt32(lead & 0x0F), 0x800)
        case 0xF0...0xF4: (length, initial, minimum) = (4, UInt32(lead & 0x07), 0x10000)
        default: throw error(at: position, .invalidUTF8)
        }
        guard position + length <= bytes.count else { throw error(at: position, .invalidUTF8) }
        var value = initial
        for k in 1..<length {
            let c = bytes[position + k]
            guard c & 0xC0 == 0x80 else { throw error(at: position, .invalidUTF8) }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw error(at: position, .invalidUTF8) }
        position += length
        return scalar
    }

    /// A backslash escape starting at `position` (the backslash).
    mutating func escape() throws(QPError) -> Unicode.Scalar {
        let start = position
        guard position + 1 < bytes.count else { throw error(at: position + 1, .unexpectedEnd(expected: "an escape character")) }
        let c = bytes[position + 1]
        position += 2
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4(escapeStart: start)
            if (0xD800..<0xDC00).contains(high) {
                // A surrogate pair: the low half must follow as another \uXXXX.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error(at: start, .invalidEscape(escapeText(from: start)))
                }
                let lowStart = position
                position += 2
                let low = try hex4(escapeStart: lowStart)
                guard (0xDC00..<0xE000).contains(low) else { throw error(at: lowStart, .invalidEscape(escapeText(from: lowStart))) }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(high) else { throw error(at: start, .invalidEscape(escapeText(from: start))) }
            return scalar
        default:
            throw error(at: start, .invalidEscape(escapeText(from: start)))
        }
    }

    mutating func hex4(escapeStart: Int) throws(QPError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = Self.hexDigit(bytes[position]) else {
                throw error(at: escapeStart, .invalidEscape(escapeText(from: escapeStart)))
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    static func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    func escapeText(from start: Int) -> String {
        let end = min(bytes.count, start + 6)
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// A number per the JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func number() throws(QPError) -> Double {
        let start = position
        func isDigit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= UInt8(ascii: "0") && bytes[k] <= UInt8(ascii: "9") }
        var k = position
        if bytes[k] == UInt8(ascii: "-") { k += 1 }
        var valid = true
        if k < bytes.count, bytes[k] == UInt8(ascii: "0") {
            k += 1
        } else if isDigit(k) {
            while isDigit(k) { k += 1 }
        } else {
            valid = false
        }
        if valid, k < bytes.count, bytes[k] == UInt8(ascii: ".") {
            k += 1
            if !isDigit(k) { valid = false }
            while isDigit(k) { k += 1 }
        }
        if valid, k < bytes.count, bytes[k] == UInt8(ascii: "e") || bytes[k] == UInt8(ascii: "E") {
            k += 1
            if k < bytes.count, bytes[k] == UInt8(ascii: "+") || bytes[k] == UInt8(ascii: "-") { k += 1 }
            if !isDigit(k) { valid = false }
            while isDigit(k) { k += 1 }
        }
        guard valid, k == bytes.count || Self.isDelimiter(bytes[k]) else {
            throw error(at: start, .invalidNumber(token(at: start)))
        }
        let text = String(decoding: bytes[start..<k], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error(at: start, .numberOutOfRange(JSONVectorReader.quoted(text)))
        }
        position = k
        return value
    }
}
