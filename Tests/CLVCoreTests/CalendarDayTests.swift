import CLVCore
import Foundation
import Testing

@Suite struct CalendarDayTests {
    @Test(arguments: [
        ("1970-01-01", 0), ("1997-01-01", 9862), ("1997-09-30", 10134), ("2000-02-29", 11016), ("1969-12-31", -1),
    ])
    func knownDayNumbers(iso: String, days: Int) throws {
        let day = try #require(CalendarDay(iso: iso))
        #expect(day.daysSinceEpoch == days)
        #expect(day.description == iso)
    }

    @Test func roundTripsEveryDayAgainstFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // 1696 ... 2243: Foundation switches to the Julian calendar before 1582.
        for n in stride(from: -100_000, through: 100_000, by: 37) {
            let date = Date(timeIntervalSince1970: Double(n) * 86_400)
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            let day = try #require(CalendarDay(year: c.year!, month: c.month!, day: c.day!))
            #expect(day.daysSinceEpoch == n)
            #expect(day.components == (c.year!, c.month!, c.day!))
        }
    }

    @Test(arguments: ["1997-02-29", "1997-13-01", "1997-1-01", "19970101", "", "abcd-ef-gh"])
    func rejectsImpossibleDates(text: String) {
        #expect(CalendarDay(iso: text) == nil)
    }
}
