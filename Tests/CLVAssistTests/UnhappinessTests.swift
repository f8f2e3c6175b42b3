import CLVAssist
import CLVTestSupport
import Foundation
import Testing

/// The routing sentiment on calm service questions (the held-out retrieval questions) and on complaints written
/// to be angry: the default unhappy line must separate most of them, in both languages.
@Suite(.serialized) struct UnhappinessTests {
    static let angry = [
        "en": [
            "This is the third time my order is late, I am furious.", "Your service is terrible and nobody answers my emails.",
            "I am really disappointed, the dress fell apart after one wash.", "Absolutely awful experience, I want my money back now.",
            "You people are useless, the parcel never came.", "I'm so angry, you charged me twice and ignore my messages.",
            "Worst shop ever, the product is a cheap fake.", "This is unacceptable, I have waited three weeks for a refund.",
            "I hate this, the item broke on the first day and support is rude.", "Disgusting quality, I regret ever buying from you.",
            "I am fed up with the excuses, where is my order?", "Terrible, terrible service. Never again.",
            "Nobody has replied for days and I am losing patience.", "The courier threw my parcel and you don't even care.",
            "You lied about the delivery date and ruined my gift.", "I'm extremely unhappy with how my complaint was handled.",
            "This is a scam, the shoes look nothing like the photos.", "Horrible. The blender smells of burning and nobody helps.",
            "I am very upset, you cancelled my order without telling me.", "Pathetic customer service, I want to speak to someone now.",
        ],
        "zh": [
            "都第三次了还没到货，气死我了", "你们的服务太差了，根本没人回复", "质量太差了，穿一次就坏了，很失望", "太垃圾了，我要退款",
            "等了半个月还没发货，什么破店", "客服态度恶劣，我非常生气", "假货，骗子，我要投诉你们", "买了就后悔，糟糕透了",
            "说好三天到，现在一周了，太让人失望了", "重复扣款也不处理，太过分了", "东西烂成这样还好意思卖", "再也不会在你们家买了，差评",
            "问了好几次都没人理，很不满", "发错货还不认，太气人了", "包装破得一塌糊涂，真糟糕", "你们这是欺骗消费者，太恶心了",
            "等退款等到崩溃，太差劲了", "一点诚信都没有，非常失望", "快递员态度差，东西也坏了，气死了", "垃圾质量，垃圾服务",
        ],
    ]

    @Test func theDefaultUnhappyLineSeparatesComplaintsFromQuestions() async throws {
        let parts = try await AssistFixtures.parts.value
        let questions = try RetrievalEvaluationTests.questions()
        let line = RoutingPolicy.defaults.unhappySentiment
        for language in ["en", "zh"] {
            let reader = try #require(parts.sentiment[language])
            let calm = try questions.filter { $0.language == language }.map { try reader.score($0.text) }
            let upset = try Self.angry[language]!.map { try reader.score($0) }
            let calmFlagged = Double(calm.filter { $0 <= line }.count) / Double(calm.count)
            let upsetFlagged = Double(upset.filter { $0 <= line }.count) / Double(upset.count)
            print(
                String(format: "%@: %.0f%% of calm questions and %.0f%% of complaints at or below %.2f", language, calmFlagged * 100, upsetFlagged * 100, line))
            #expect(upsetFlagged >= 0.7)
            #expect(calmFlagged <= 0.15)
        }
    }
}
