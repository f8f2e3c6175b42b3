import CLVCore
import Testing

@Suite struct CustomerSummaryTests {
    @Test func acceptsValidHistory() throws {
        let s = try CustomerSummary(frequency: 2, recency: 30.43, age: 38.86)
        #expect(s.frequency == 2)
        #expect(s.recency == 30.43)
    }

    @Test(arguments: [
        (-1, 0.0, 1.0, SummaryError.negativeFrequency(-1)),
        (1, Double.nan, 1.0, .notFinite),
        (1, 2.0, 1.0, .recencyAfterAge(recency: 2, age: 1)),
        (0, 1.0, 2.0, .recencyWithoutRepeat(1)),
        (1, -1.0, 2.0, .negativeTime),
    ])
    func rejectsImpossibleHistory(x: Int, tx: Double, T: Double, expected: SummaryError) {
        #expect(throws: expected) { try CustomerSummary(frequency: x, recency: tx, age: T) }
    }

    @Test func customerIDsSortNumericallyWhenNumeric() {
        let ids = ["10", "9", "a", "100"].map { CustomerID($0) }
        #expect(ids.sorted().map(\.rawValue) == ["9", "10", "100", "a"])
    }
}
