import CLVCore
import CLVTestSupport
import Foundation
import Testing

@testable import CLVData

/// The summary-file reader behind `clv fit|predict|evaluate --summary FILE`, and the number parser it relies on.
@Suite struct SummaryFileReaderTests {
    func read(_ text: String, layout: SummaryFileReader.Layout = .rows) throws -> SummaryFile {
        let folder = try TemporaryDirectory()
        return try SummaryFileReader.read(try folder.write("summary.csv", text), layout: layout)
    }

    /// The one-line message of a file that fails to read, with the temporary path replaced by `FILE`.
    func failure(_ text: String) throws -> String {
        let folder = try TemporaryDirectory()
        let url = try folder.write("summary.csv", text)
        do {
            _ = try SummaryFileReader.read(url)
            return "no error"
        } catch {
            return error.description.replacingOccurrences(of: url.path, with: "FILE")
        }
    }

    @Test func readsColumnsByNameWithAliasesInAnyOrder() throws {
        // pandas' unnamed index column first, CRLF line ends, a blank line, quoted names, a byte-order mark.
        let file = try read("\u{FEFF},\"T\",x,t_x,id,zbar,weights,frequency_holdout\r\n0,38.86,2,30.43,c1,22.5,3,1\r\n\r\n1,20,0,0,c2,0,1,0\r\n")
        #expect(file.summaries == [try CustomerSummary(frequency: 2, recency: 30.43, age: 38.86), try CustomerSummary(frequency: 0, recency: 0, age: 20)])
        #expect(file.ids == [CustomerID("c1"), CustomerID("c2")])
        #expect(file.monetary == [22.5, 0])
        #expect(file.weights == [3, 1])
        #expect(file.holdoutFrequency == [1, 0])
        #expect(file.rowCount == 2)
    }

    @Test func withoutAnIdColumnRowsAreNumberedAndOptionalColumnsAreNil() throws {
        let file = try read("frequency,recency,T\n1,2.5,10\n0,0,4\n")
        #expect(file.ids == [CustomerID("1"), CustomerID("2")])
        #expect(file.monetary == nil && file.weights == nil && file.holdoutFrequency == nil)
    }

    @Test func compressedLayoutMergesIdenticalRowsInOrderOfFirstAppearance() throws {
        let text = "frequency,recency,T,monetary_value\n1,2,10,5\n0,0,10,0\n1,2,10,5\n1,2,10,6\n0,0,10,0\n0,0,10,0\n"
        let file = try read(text, layout: .compressed)
        #expect(file.summaries.map(\.frequency) == [1, 0, 1])
        #expect(file.monetary == [5, 0, 6])
        #expect(file.weights == [2, 3, 1])
        #expect(file.rowCount == 6)
        #expect(file.ids == nil)
        // File weights add up.
        let weighted = try read("frequency,recency,T,weight\n1,2,10,2.5\n1,2,10,0.5\n", layout: .compressed)
        #expect(weighted.weights == [3])
        #expect(weighted.rowCount == 2)
    }

    @Test(arguments: [
        ("recency,T\n1,2\n", "The summary file FILE needs columns frequency,recency,T (found: recency,t)."),
        ("", "The summary file FILE is empty: it needs a header frequency,recency,T."),
        ("frequency,recency,T\n", "The summary file FILE has no customer rows."),
        ("frequency,recency,T\n1,2,10\n1,2\n", "FILE:3: T is not a number."),
        ("frequency,recency,T\n1,2,10\n\n1,abc,10\n", "FILE:4: recency is not a number."),
        ("frequency,recency,T\n1,2,1e400\n", "FILE:2: T is not a number."),
        ("frequency,recency,T\n1.5,2,10\n", "FILE:2: frequency must be a whole number ≥ 0."),
        ("frequency,recency,T\n-1,2,10\n", "FILE:2: frequency must be a whole number ≥ 0."),
        ("frequency,recency,T\n1,12,10\n", "FILE:2: recency (12.0) must not exceed T (10.0)."),
        ("frequency,recency,T\n0,3,10\n", "FILE:2: recency must be 0 when frequency is 0, got 3.0."),
        ("frequency,recency,T,weight\n1,2,10,-1\n", "FILE:2: weight must be a number ≥ 0."),
        ("frequency,recency,T,holdout_frequency\n1,2,10,0.5\n", "FILE:2: holdout_frequency must be a whole number ≥ 0."),
    ])
    func badFilesGiveOneLineWithFileAndLine(text: String, message: String) throws {
        #expect(try failure(text) == message)
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: SummaryFileError("Cannot read the summary file /nonexistent/summary.csv: check the path.")) {
            try SummaryFileReader.read(URL(fileURLWithPath: "/nonexistent/summary.csv"))
        }
    }

    /// A file of more than 8 MiB is read in two halves at once: the same rows, ids and line numbers as in one pass.
    @Test func largeFilesReadInHalvesAsInOnePass() throws {
        var rng = SplitMix64(seed: 12)
        var lines: [String] = []
        var expected: [CustomerSummary] = []
        for _ in 0..<240_000 {
            let age = Double.random(in: 1...78, using: &rng), recency = Double.random(in: 0...age, using: &rng)
            lines.append("2,\(recency),\(age)")
            expected.append(try CustomerSummary(frequency: 2, recency: recency, age: age))
        }
        let text = "frequency,recency,T\n" + lines.joined(separator: "\n") + "\n"
        #expect(text.utf8.count > 8 << 20)
        let file = try read(text)
        #expect(file.summaries == expected)
        #expect(file.ids == (1...expected.count).map { CustomerID(String($0)) })
        #expect(file.rowCount == expected.count)
        // A bad row near the end is reported at its own line.
        var bad = lines
        bad[230_000] = "2,abc,10"
        #expect(try failure("frequency,recency,T\n" + bad.joined(separator: "\n") + "\n") == "FILE:230002: recency is not a number.")
        // A quoted field in the first half (one could hold a line break): read in one pass, same result.
        var quoted = lines
        quoted[5] = "\"2\",\"\(expected[5].recency)\",\(expected[5].age)"
        #expect(try read("frequency,recency,T\n" + quoted.joined(separator: "\n") + "\n").summaries == expected)
    }

    @Test func continuousTimesReadBackBitForBit() throws {
        // Shortest round-trip digits, as Python's repr and pandas' to_csv write them.
        var rng = SplitMix64(seed: 11)
        var text = "frequency,recency,T\n"
        var expected: [CustomerSummary] = []
        for _ in 0..<5000 {
            let age = Double.random(in: 1...78, using: &rng)
            let recency = Double.random(in: 0...age, using: &rng)
            text += "3,\(recency),\(age)\n"
            expected.append(try CustomerSummary(frequency: 3, recency: recency, age: age))
        }
        #expect(try read(text).summaries == expected)
    }
}

/// ``FieldParsing/decimal(_:)`` against the standard library's correctly rounded parser.
@Suite struct DecimalParsingTests {
    func decimal(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { FieldParsing.decimal($0) }
    }

    @Test func shortestRoundTripDigitsOfRandomDoubles() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200_000 {
            // Magnitudes from 1e-9 to 1e12: every mantissa length, with and without exponents.
            let x = Double.random(in: 1...10, using: &rng) * Double.pow(10, Double(Int.random(in: -9...12, using: &rng)))
            let text = "\(x)"
            #expect(decimal(text) == x, "\(text)")
            #expect(decimal("-" + text) == -x, "-\(text)")
        }
    }

    @Test func seventeenToTwentyDigitsAndExponentsMatchTheStandardLibrary() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<100_000 {
            let digits = Int.random(in: 16...20, using: &rng)
            var mantissa = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<digits { mantissa += String(Int.random(in: 0...9, using: &rng)) }
            let point = Int.random(in: 0...digits, using: &rng)
            var text = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            if Bool.random(using: &rng) { text += "e\(Int.random(in: -25...25, using: &rng))" }
            #expect(decimal(text) == Double(text), "\(text)")
        }
    }

    @Test func halfwayCasesRoundToEven() {
        // 2⁵³ + 1 is halfway between two doubles; one more digit beyond decides.
        for text in [
            "9007199254740993", "9007199254740993.0000000001", "9007199254740995", "0.9007199254740993e16",
            "123456789012345678", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308",
        ] {
            #expect(decimal(text) == Double(text), "\(text)")
        }
    }

    @Test(arguments: ["1e-05", "2.5E+3", "-0.0", "+.5e1", "0e0", "000.000", "1E22", "1e-22", "12.5e-3"])
    func exponentForms(text: String) {
        #expect(decimal(text) == Double(text))
        #expect(decimal(text)?.sign == Double(text)?.sign)
    }

    @Test(arguments: ["1e", "1e+", "e5", "1.5e-5x", "0x1p3", "inf", "-nan", "1e400", "--1", "1 2", "."])
    func garbageIsRejected(text: String) {
        #expect(decimal(text) == nil)
    }
}
