import CLVCore
import Testing

/// RFC 4180 §2 rules 6 and 7: fields with commas, quotes or line breaks are quoted, quotes doubled.
@Suite struct CSVFieldTests {
    @Test(arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""), ("", ""),
    ])
    func quotesOnlyWhenNeeded(text: String, expected: String) {
        #expect(CSVField.quoted(text) == expected)
    }

    @Test func formulasAreNeutralisedForSpreadsheets() {
        #expect(CSVField.spreadsheetSafe("=SUM(A1)") == "'=SUM(A1)")
        #expect(CSVField.spreadsheetSafe("@cmd,x") == "\"'@cmd,x\"")
        #expect(CSVField.spreadsheetSafe("Champions") == "Champions")
    }
}
