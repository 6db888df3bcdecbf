import Testing
import QP

/// The JSON vector reader behind `sparseqp grad --dx/--dy`: accepted forms and positioned errors.
@Suite struct JSONVectorReaderTests {
    func parse(_ text: String) throws(QPError) -> JSONVectorInput {
        try JSONVectorReader.parse(Array(text.utf8))
    }

    /// The error thrown for `text` (nil if it parses).
    func failure(_ text: String) -> QPError? {
        do { _ = try parse(text); return nil } catch { return error }
    }

    @Test func acceptedForms() throws {
        #expect(try parse("[1, -2.5, 3e2, 0, -0.0, 1E-3]").array == [1, -2.5, 300, 0, -0.0, 0.001])
        #expect(try parse(" [ ] ").array == [])
        let dx = try parse("{\"dx\": [1, 2]}")
        #expect(dx.array == nil && dx.fields == ["dx": [1, 2]] && dx.otherKeys.isEmpty)
        let dy = try parse("{\"dy_rows\": [1], \"dy_bounds\": [2, 3], \"note\": \"x\\u00e9\\n\", \"n\": {\"a\": [true]}}")
        #expect(dy.fields == ["dy_rows": [1], "dy_bounds": [2, 3]])
        #expect(dy.otherKeys == ["note", "n"])
        #expect(try parse("\u{FEFF}[1]").array == [1])
    }

    /// Each malformed document gives its issue at the exact line:column and byte offset.
    @Test(arguments: [
        ("[1, 2", 5, 1, 6, JSONIssue.unexpectedEnd(expected: "',' or ']' in an array")),
        ("[1,\n 2 x]", 7, 2, 4, .unexpectedCharacter(found: "x", expected: "',' or ']' in an array")),
        ("[01]", 1, 1, 2, .invalidNumber("01")),
        ("[1.]", 1, 1, 2, .invalidNumber("1.")),
        ("[-]", 1, 1, 2, .invalidNumber("-")),
        ("[1e999]", 1, 1, 2, .numberOutOfRange("1e999")),
        ("[NaN]", 1, 1, 2, .unexpectedCharacter(found: "NaN", expected: "a value")),
        ("[1] 2", 4, 1, 5, .trailingContent("2")),
        ("\"x\"", 0, 1, 1, .wrongTopLevel(found: "a string")),
        ("[1, \"a\"]", 4, 1, 5, .notANumber(index: 1, found: "a string", array: "the top-level array")),
        ("{\"a\" 1}", 5, 1, 6, .unexpectedCharacter(found: "1", expected: "':' after an object key")),
        ("{1: 2}", 1, 1, 2, .unexpectedCharacter(found: "1", expected: "a string key in an object")),
        ("{\"a\\q\": 1}", 3, 1, 4, .invalidEscape("\\q\": 1")),
        ("[\"\u{01}\"]", 2, 1, 3, .controlCharacterInString),
        ("", 0, 1, 1, .unexpectedEnd(expected: "a value")),
        ("[tru]", 1, 1, 2, .unexpectedCharacter(found: "tru", expected: "a value")),
    ])
    func syntaxErrorsArePositioned(text: String, offset: Int, line: Int, column: Int, issue: JSONIssue) {
        #expect(failure(text) == .json(offset: offset, line: line, column: column, issue: issue))
    }

    @Test func invalidUTF8AndDeepNestingAreErrors() {
        var bytes = Array("[\"".utf8)
        bytes += [0xC3, 0x28, 0x22, 0x5D]
        #expect(throws: QPError.json(offset: 2, line: 1, column: 3, issue: .invalidUTF8)) { try JSONVectorReader.parse(bytes) }
        let deep = String(repeating: "[", count: 100_000)
        let limit = JSONVectorReader.nestingLimit
        #expect(failure(deep) == .json(offset: limit, line: 1, column: limit + 1, issue: .nestingTooDeep(limit: limit)))
    }

    /// A 10 MB token is quoted in at most `quotedInputLimit` characters.
    @Test func hugeTokenIsTruncatedInTheMessage() throws {
        let token = String(repeating: "9", count: 10_000_000) + "x"
        let error = try #require(failure("[" + token + "]"))
        let expected = String(repeating: "9", count: JSONVectorReader.quotedInputLimit) + "…"
        #expect(error == .json(offset: 1, line: 1, column: 2, issue: .invalidNumber(expected)))
        #expect(error.description.count < 200)
    }
}
