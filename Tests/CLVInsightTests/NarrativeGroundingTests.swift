import Testing

@testable import CLVInsight

@Suite struct NarrativeGroundingTests {
    /// A profile's facts as the narrator shows them to the model.
    static let facts = Facts([
        ("tier", "gold"), ("CLV", "1234.50"), ("chance of still being active", "83%"), ("expected purchases next year", "2.4"),
        ("average days between orders", "37"), ("average order value", "61.72"), ("churn risk", "low"), ("segment", "Champions"),
        ("first order", "2011-12-09"), ("sentiment trend", "improving (+0.12)"),
    ])

    @Test(arguments: [
        // Numbers as given, or as a writer would show them.
        ("A gold customer with a CLV of 1234.50.", [String]()),
        ("Their CLV is 1,234.50.", []),
        ("Their CLV is $1,234.50.", []),
        ("Their CLV is about 1,235.", []),
        ("Their CLV is 1234.5 and rising.", []),
        ("Their CLV is roughly 1.2k.", []),
        ("Their CLV is about 1 thousand.", []),
        ("There is an 83% chance they are still active.", []),
        ("P(alive) is 0.83.", []),
        ("They are 83 percent likely to buy again.", []),
        ("They are 83 per cent likely to buy again.", []),
        ("Expect 2.4 purchases next year.", []),
        ("Expect about 2 purchases next year.", []),
        ("Expect two more purchases.", []),
        ("They order every 37 days.", []),
        ("Their average order is €61.72.", []),
        ("Their average order is 61.7.", []),
        ("Their average order is about 62.", []),
        ("A customer since 2011.", []),
        ("A customer since 9 December 2011.", []),
        ("Sentiment fell by 0.12 and then rose by +0.12.", []),
        ("A loyal one-time buyer with no numbers at all.", []),
        ("Champions, gold tier, low churn risk.", []),
        // Invented numbers.
        ("Their CLV is 1,300.", ["1,300"]),
        ("Their CLV is 1234.57.", ["1234.57"]),
        ("There is an 85% chance they are still active.", ["85%"]),
        ("There is an 83.5% chance they are still active.", ["83.5%"]),
        ("There is an 8.3% chance they are still active.", ["8.3%"]),
        ("Expect three purchases.", ["three"]),
        ("They order every 30 days.", ["30"]),
        ("Their average order is 61.73.", ["61.73"]),
        ("A customer since 2012.", ["2012"]),
        ("Bought 5 items for $12.99 in 2024.", ["5", "$12.99", "2024"]),
        ("One of 3,000 customers.", ["3,000"]),
        ("A 100% loyal customer for 24 months.", ["100%", "24"]),
        ("Their CLV is about 5 thousand.", ["5 thousand"]),
        ("Their CLV of 1234.50 puts them in the top 10 percent.", ["10 percent"]),
    ])
    func inventedNumbers(text: String, expected: [String]) {
        #expect(NarrativeGrounding.inventedNumbers(in: text, facts: Self.facts) == expected, "\(text)")
    }

    @Test func writtenNumbersKeepTheirPrecisionAndSigns() {
        let numbers = NarrativeGrounding.numbers(in: "£1,234.50, 83%, 1.2k, 2011-12-09, seven")
        #expect(numbers.map(\.text) == ["£1,234.50", "83%", "1.2k", "2011", "12", "09", "seven"])
        #expect(numbers.map(\.exponent) == [-2, 0, 2, 0, 0, 0, 0])
        #expect(numbers.map(\.isPercent) == [false, true, false, false, false, false, false])
    }

    @Test func listsAreNotThousands() {
        #expect(NarrativeGrounding.numbers(in: "1,23 and 1234,567").map(\.text) == ["1", "23", "1234", "567"])
    }

    @Test func groundedDropsOnlyTheSentencesWithInventedNumbers() {
        let text = "A gold customer with a CLV of 1,234.50. They bought 7 times last year! Expect 2.4 purchases (83% active)."
        #expect(NarrativeGrounding.grounded(text, facts: Self.facts) == "A gold customer with a CLV of 1,234.50. Expect 2.4 purchases (83% active).")
    }

    @Test func groundedIsNilWhenEverySentenceInventsANumber() {
        #expect(NarrativeGrounding.grounded("They spent 999. They bought 7 times.", facts: Self.facts) == nil)
        #expect(NarrativeGrounding.grounded("  \n ", facts: Self.facts) == nil)
    }

    @Test func sentencesSplitAtEndsNotAtDecimalPoints() {
        #expect(
            NarrativeGrounding.sentences(in: "CLV is 12.5. P(alive) is 0.83!\nA \"loyal\" buyer? Yes.\n- bullet")
                == ["CLV is 12.5.", "P(alive) is 0.83!", "A \"loyal\" buyer?", "Yes.", "- bullet"])
    }

    @Test func numbersWithoutFactsAreAllInvented() {
        #expect(NarrativeGrounding.inventedNumbers(in: "Two customers spent 12.", facts: Facts()) == ["Two", "12"])
    }
}
