import CLVCore
import CLVTestSupport
import Testing

@testable import CLVData

/// One redaction example: the input and the exact text expected back.
struct RedactionExample: Sendable, CustomTestStringConvertible {
    var input: String
    var expected: String
    var testDescription: String { input.isEmpty ? "(empty)" : input }

    init(_ input: String, _ expected: String? = nil) {
        self.input = input
        self.expected = expected ?? input
    }
}

// Every card, ID number and IBAN below was checked with an independent Python computation (Luhn; ISO 7064 MOD 11-2
// with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; ISO 13616 mod 97) before it went in: the valid ones pass, and
// each "must not" number fails its own check and, where it has 13–19 digits, the Luhn check as well.
private let examples: [RedactionExample] = [
    // MARK: e-mail
    .init("Contact jane.doe@example.com for details", "Contact [EMAIL] for details"),
    .init("jane+newsletter@mail.shop.example.co.uk", "[EMAIL]"),
    .init("Email: JOHN_SMITH99@Example.ORG.", "Email: [EMAIL]."),
    .init("send it to a.b-c%d@sub-domain.example.io, thanks", "send it to [EMAIL], thanks"),
    .init("<li.wei@example.cn>", "<[EMAIL]>"),
    .init("我的邮箱是wang.fang@example.com.cn，谢谢", "我的邮箱是[EMAIL]，谢谢"),
    .init("4155550132@example.com", "[EMAIL]"),
    .init("follow us @shopname on social"),
    .init("root@localhost"),

    // MARK: phone
    .init("Call +44 20 7946 0958 today", "Call [PHONE] today"),
    .init("+8613812345678", "[PHONE]"),
    .init("+86 138 1234 5678", "[PHONE]"),
    .init("+44 (0)20 7946 0958", "[PHONE]"),
    .init("+1 (415) 555-0132", "[PHONE]"),
    .init("ring 020 7946 0958 after 5pm", "ring [PHONE] after 5pm"),
    .init("my mobile is 07700 900123.", "my mobile is [PHONE]."),
    .init("07700900123", "[PHONE]"),
    .init("0044 20 7946 0958", "[PHONE]"),
    .init("(020) 7946 0958", "[PHONE]"),
    .init("(415) 555-0132", "[PHONE]"),
    .init("415-555-0132", "[PHONE]"),
    .init("415.555.0132", "[PHONE]"),
    .init("1-415-555-0132", "[PHONE]"),
    .init("please call me (07700 900123)", "please call me ([PHONE])"),
    .init("office (+44 20 7946 0958), mobile 07700 900123", "office ([PHONE]), mobile [PHONE]"),
    .init("手机13812345678", "手机[PHONE]"),
    .init("电话：138 1234 5678", "电话：[PHONE]"),
    .init("手机号：１３８１２３４５６７８，请回电", "手机号：[PHONE]，请回电"),
    .init("座机010-12345678", "座机[PHONE]"),
    .init("+44 20 7946 0958 2024", "[PHONE] 2024"),
    .init("Tel.+86-138-1234-5678", "Tel.[PHONE]"),
    .init("020 7946 0958/07700 900123", "[PHONE]/[PHONE]"),
    .init("v1.07700900123"),
    .init("SKU-13812345678"),
    .init("order #123456 has not arrived"),
    .init("order 5781234 was late"),
    .init("Order #07700900123 arrived damaged"),
    .init("Invoice no. 13812345678"),
    .init("订单号13812345678已发货"),
    .init("reference 4155550132"),
    .init("12345678901 units"),
    .init("sizes 250 500 1000 ml"),

    // MARK: payment card
    .init("card 4111 1111 1111 1111 please", "card [CARD] please"),
    .init("I paid with 4111111111111111.", "I paid with [CARD]."),
    .init("5555-5555-5555-4444", "[CARD]"),
    .init("Amex 3782 822463 10005", "Amex [CARD]"),
    .init("4222222222222", "[CARD]"),
    .init("6222021234567890128", "[CARD]"),
    .init("card 4111 1111 1111 1111 exp 12/27", "card [CARD] exp 12/27"),
    .init("卡号：6011 1111 1111 1117", "卡号：[CARD]"),
    .init("card-4111111111111111", "card-[CARD]"),
    .init("4111 1111 1111 1112"),
    .init("1234567812345678"),
    .init("ref 1234 5678 9012 3456"),

    // MARK: Chinese resident ID number
    .init("身份证号11010519491231002X", "身份证号[ID_NUMBER]"),
    .init("ID: 310115198511110017.", "ID: [ID_NUMBER]."),
    .init("11010519491231002x", "[ID_NUMBER]"),
    .init("身份证：１１０１０５１９４９１２３１００２Ｘ", "身份证：[ID_NUMBER]"),
    .init("320106198002290019", "[ID_NUMBER]"),
    .init("110105194912310021"),
    .init("110105194913310021"),
    .init("110105194902300020"),

    // MARK: IBAN
    .init("IBAN: GB82 WEST 1234 5698 7654 32", "IBAN: [IBAN]"),
    .init("pay to DE89370400440532013000 today", "pay to [IBAN] today"),
    .init("DE89 3704 0044 0532 0130 00 EUR", "[IBAN] EUR"),
    .init("FR14 2004 1010 0505 0001 3M02 606", "[IBAN]"),
    .init("NL91ABNA0417164300.", "[IBAN]."),
    .init("GB82 WEST 1234 5698 7654 33"),
    .init("GB82WEST12345698765433"),

    // MARK: street address and postcode
    .init("I live at 221B Baker Street, London", "I live at [ADDRESS], London"),
    .init("12 Elm Rd.", "[ADDRESS]."),
    .init("1600 Pennsylvania Avenue NW", "[ADDRESS] NW"),
    .init("deliver to 42 Old Kent Road please", "deliver to [ADDRESS] please"),
    .init("Flat 3, 12-14 Acacia Ave", "Flat 3, [ADDRESS]"),
    .init("7 Primrose Close", "[ADDRESS]"),
    .init("SW1A 1AA", "[POSTCODE]"),
    .init("London EC1A 1BB, UK", "London [POSTCODE], UK"),
    .init("M1 1AE", "[POSTCODE]"),
    .init("SW1A1AA", "[POSTCODE]"),
    .init("10 Downing Street, London SW1A 2AA", "[ADDRESS], London [POSTCODE]"),
    .init("我住在北京市朝阳区建国路88号", "我住在[ADDRESS]"),
    .init("地址：上海市黄浦区南京东路100号3栋501室，谢谢", "地址：[ADDRESS]，谢谢"),
    .init("寄到人民路12号", "寄到[ADDRESS]"),
    .init("3月5号发货"),
    .init("22423 REGENCY CAKESTAND 3 TIER"),
    .init("I bought 3 Blue Mugs"),
    .init("2 Dr Martens boots"),

    // MARK: numbers that stay
    .init("£12.99"),
    .init("$1,299.00 for the sofa"),
    .init("12.50 EUR"),
    .init("€1.299,00"),
    .init("2011-12-09"),
    .init("09/12/2011"),
    .init("09-12-2011"),
    .init("2024年3月5日"),
    .init("2011-12-09 08:26:00"),
    .init("delivered at 14:30"),
    .init("85123A"),
    .init("SKU-22423"),
    .init("SKU 85123A WHITE HANGING HEART T-LIGHT HOLDER"),
    .init("qty 12, 6 pcs, x 24"),
    .init("customer since 2011"),
    .init("version 1.2.10"),
    .init("iOS 17.4.1"),
    .init("50% off, then 12.5%"),
    .init("536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom"),

    // MARK: mixed sentences and edge cases
    .init("Hi, I'm Jane (jane@example.com, 07700 900123), order #123456 hasn't arrived", "Hi, I'm Jane ([EMAIL], [PHONE]), order #123456 hasn't arrived"),
    .init("Card 4111 1111 1111 1111 and IBAN GB82 WEST 1234 5698 7654 32 on file", "Card [CARD] and IBAN [IBAN] on file"),
    .init("您好，我的手机是13812345678，邮箱li.wei@example.cn，订单号5781234", "您好，我的手机是[PHONE]，邮箱[EMAIL]，订单号5781234"),
    .init("Loved it 😍 call me 020 7946 0958 👍", "Loved it 😍 call me [PHONE] 👍"),
    .init("请把发票寄到北京市海淀区中关村大街27号，电话010-12345678", "请把发票寄到[ADDRESS]，电话[PHONE]"),
    .init("Two phones: 07700 900123 and +44 20 7946 0958.", "Two phones: [PHONE] and [PHONE]."),
    .init("Paid £12.99 on 2011-12-09 with 4111111111111111, 2 items", "Paid £12.99 on 2011-12-09 with [CARD], 2 items"),
    .init("[EMAIL] [PHONE] [CARD] [ID_NUMBER] [IBAN] [ADDRESS] [POSTCODE]"),
    .init(""),
    .init("no personal data here, just a happy customer ✨"),
]

@Suite struct RedactionTests {
    let redactor = Redactor()

    @Test func tableIsLargeEnough() {
        #expect(examples.count >= 80)
    }

    @Test(arguments: examples)
    func redactsExactlyThePersonalData(example: RedactionExample) {
        #expect(redactor.redacted(example.input) == example.expected)
    }

    @Test(arguments: examples)
    func redactingTwiceChangesNothing(example: RedactionExample) {
        let once = redactor.redacted(example.input)
        #expect(redactor.redact(once).text == once)
        #expect(redactor.redact(once).isUnchanged)
    }

    @Test func countsEachKind() {
        let text =
            "Jane (jane@example.com, 07700 900123, +44 20 7946 0958) paid with 4111 1111 1111 1111 from GB82 WEST 1234 5698 7654 32; "
            + "ID 11010519491231002X; 221B Baker Street, London NW1 6XE"
        let result = redactor.redact(text)
        #expect(result.counts == [.email: 1, .phone: 2, .card: 1, .iban: 1, .idNumber: 1, .address: 1, .postcode: 1])
        #expect(result.total == 8)
        #expect(
            result.text == "Jane ([EMAIL], [PHONE], [PHONE]) paid with [CARD] from [IBAN]; ID [ID_NUMBER]; [ADDRESS], London [POSTCODE]")
    }

    @Test func cleanTextComesBackWithNoCounts() {
        let text = "Order 536365: 6 × WHITE HANGING HEART T-LIGHT HOLDER at £2.55 on 2010-12-01 💡 很好"
        let result = redactor.redact(text)
        #expect(result.text == text)
        #expect(result.counts.isEmpty)
        #expect(result.total == 0)
    }

    @Test func disabledKindsPassThrough() {
        let onlyEmail = Redactor(kinds: [.email])
        #expect(onlyEmail.redacted("jane@example.com 07700 900123 SW1A 1AA") == "[EMAIL] 07700 900123 SW1A 1AA")
        let noAddresses = Redactor(kinds: Set(RedactionKind.allCases).subtracting([.address, .postcode]))
        #expect(noAddresses.redacted("12 Elm Rd, SW1A 1AA, 07700 900123") == "12 Elm Rd, SW1A 1AA, [PHONE]")
    }

    @Test func placeholdersAreTyped() {
        #expect(RedactionKind.allCases.map(\.placeholder) == ["[EMAIL]", "[PHONE]", "[CARD]", "[ID_NUMBER]", "[IBAN]", "[ADDRESS]", "[POSTCODE]"])
    }

    /// Random text built from the characters the matchers look at and from whole matches glued together (where one
    /// match's boundary depends on whether its neighbour was replaced): a second redaction changes nothing.
    @Test func randomTextIsIdempotent() {
        let pieces = [
            "0", "1", "4", "7", "9", " ", "-", ".", ",", "(", ")", "+", "@", "a", "Z", "X", "GB", "St", " Street", "路", "号", "１", "😀", "[CARD]",
            "example.com", "4111111111111111", "07700 900123", "13812345678", "SW1A 1AA", "GB82 WEST 1234 5698 7654 32", "11010519491231002X", " Baker",
            "12",
        ]
        var rng = SplitMix64(seed: 2024)
        for _ in 0..<5_000 {
            let length = Int.random(in: 1...24, using: &rng)
            let text = (0..<length).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let once = redactor.redacted(text)
            #expect(redactor.redacted(once) == once, "\(text)")
        }
    }
}
