import CLVTestSupport
import Testing

@testable import CLVInsight

@Suite struct LexiconSentimentTests {
    let lexicon = LexiconSentiment()

    @Test(arguments: [
        ("This is a great product, I love it!", SentimentLabel.positive),
        ("Excellent quality and very fast delivery.", .positive),
        ("Terrible quality, it broke after two days.", .negative),
        ("The courier was rude and the parcel arrived damaged.", .negative),
        ("The box is blue.", .neutral),
        ("Not good at all.", .negative),
        ("Not bad for the price.", .positive),
        ("The colour is nice but the fabric is awful and it fell apart.", .negative),
        ("质量很好，非常满意", .positive),
        ("太失望了，质量很差", .negative),
        ("不好用", .negative),
        ("没有问题，推荐", .positive),
        ("包装不错，但是物流太慢了", .negative),
    ])
    func clearSentences(text: String, expected: SentimentLabel) {
        #expect(lexicon.score(text).label == expected, "\(text): \(lexicon.score(text))")
    }

    @Test func intensifiersAndNegationMoveTheScore() {
        let good = lexicon.score("good").score
        #expect(lexicon.score("very good").score > good)
        #expect(lexicon.score("slightly good").score < good)
        #expect(lexicon.score("not good").score < 0)
        #expect(lexicon.score("I didn't like it").score < 0)
        // One plain word of valence 2: 2 / √(4 + 15).
        #expect(good.isApproximatelyEqual(to: 2 / 19.0.squareRoot(), relativeTolerance: 1e-12))
        #expect(lexicon.score("").score == 0)
        #expect(lexicon.score("").opinionWords == 0)
        let many = lexicon.score(String(repeating: "amazing ", count: 50)).score
        #expect(many < 1 && many > 0.99)
    }
}
