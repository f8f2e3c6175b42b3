import CLVCore
import CLVTestSupport
import Foundation
import Testing

@testable import CLVData

@Suite struct FieldParsingTests {
    func decimal(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { FieldParsing.decimal($0) }
    }

    @Test(arguments: ["0", "1", "-12.50", "3.", ".5", "+7", "0.000001", "123456789012345", "1e3", "2.5E-3", "  4.25 ", "00012.3400"])
    func decimalsMatchTheStandardLibrary(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        #expect(decimal(text) == Double(trimmed.hasPrefix(".") ? "0" + trimmed : trimmed.hasSuffix(".") ? trimmed + "0" : trimmed))
    }

    @Test func randomDecimalsRoundTripExactly() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let cents = Int.random(in: -10_000_000...10_000_000, using: &rng)
            let text = String(format: "%.2f", Double(cents) / 100)
            #expect(decimal(text) == Double(text), "\(text)")
        }
    }

    @Test(arguments: ["", "-", "abc", "1.2.3", "1,5", "inf", "nan", "12a"])
    func nonNumbersAreRejected(text: String) {
        #expect(decimal(text) == nil)
    }

    func date(_ text: String, _ format: DateFormat) -> (CalendarDay, Int?)? {
        var copy = text
        return copy.withUTF8 { format.parse($0) }.map { ($0.day, $0.second) }
    }

    @Test func isoDatesAndTimes() throws {
        let day = CalendarDay(iso: "2011-12-09")!
        #expect(date("2011-12-09", .iso8601)! == (day, nil))
        #expect(date("2011-12-09 12:50:00", .iso8601)! == (day, 46_200))
        #expect(date("2011-12-09T12:50", .iso8601)! == (day, 46_200))
        #expect(date("2011-12-09T12:50:00.123Z", .iso8601)! == (day, 46_200))
        #expect(date("2011-12-09T12:50:00+01:00", .iso8601)! == (day, 46_200))
        #expect(date("2011-12-09 25:00", .iso8601) == nil)
        #expect(date("2011-13-09", .iso8601) == nil)
        #expect(date("20111209", .compact)! == (day, nil))
        #expect(date("2011129", .compact) == nil)
        #expect(date("9/12/2011 7:05", DateFormat(argument: "%d/%m/%Y %H:%M")!)! == (day, 25_500))
        #expect(date("12/09/2011", DateFormat(argument: "%m/%d/%Y")!)! == (day, nil))
        #expect(date("12/09/2011x", DateFormat(argument: "%m/%d/%Y")!) == nil)
        #expect(DateFormat(argument: "%H:%M") == nil)
    }
}
