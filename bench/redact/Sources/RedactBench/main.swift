// RedactBench: Redactor throughput on seeded, review-like texts (English and Chinese, with prices, dates, order
// numbers, SKUs and quantities; about one in ten carries personal data), against one Swift Regex pass over the same
// texts that finds only e-mail addresses and digit runs, as a floor for what a Regex-based redactor would cost.
//
//   RedactBench [TEXTS] [ROUNDS]   — prints JSON {texts, bytes, redacted, best_seconds, mb_per_s, regex_mb_per_s, ratio}
import CLVData
import Foundation

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

let args = CommandLine.arguments
let count = args.count > 1 ? Int(args[1])! : 10_000
let rounds = args.count > 2 ? Int(args[2])! : 5
var rng = SplitMix(state: 42)

let products = ["WHITE HANGING HEART T-LIGHT HOLDER", "REGENCY CAKESTAND 3 TIER", "JUMBO BAG RED RETROSPOT", "party bunting", "lunch bag"]
let english = [
    "Bought the %P for £%M and it arrived on %D, really pleased with the quality.",
    "Order #%O took 9 days, the box was damaged but the %P itself is fine. 4/5 stars.",
    "Ordered %Q of SKU %S at $%M each; two were missing. Support answered within 24 hours.",
    "Great value, 20% cheaper than the high street. Version 2.1 of the app keeps logging me out though.",
    "The colour is not what the photo shows 😕 I would like a refund for order %O please.",
    "Five stars ⭐️⭐️⭐️⭐️⭐️ fast delivery, arrived %D at 10:30, exactly as described.",
]
let chinese = [
    "%P质量很好，%D收到，价格%M元，很满意👍",
    "订单号%O的物流太慢了，等了一个星期，希望下次能快一点。",
    "买了%Q个，包装完好，2024年3月5日下单，第二天就到了。",
    "客服态度很好，退款很快，会再来买的。",
]
let personal = [
    "You can reach me on 07700 900123 or jane.doe+shop@example.co.uk.",
    "我的手机是13812345678，地址是北京市朝阳区建国路88号。",
    "Please refund to card 4111 1111 1111 1111 or IBAN GB82 WEST 1234 5698 7654 32.",
    "Deliver to 221B Baker Street, London NW1 6XE, call (415) 555-0132 first.",
    "身份证号11010519491231002X，电话+86 138 1234 5678。",
]

func fill(_ template: String, _ rng: inout SplitMix) -> String {
    var s = template
    s = s.replacingOccurrences(of: "%P", with: products.randomElement(using: &rng)!)
    s = s.replacingOccurrences(of: "%M", with: String(format: "%.2f", Double(Int.random(in: 99...129_900, using: &rng)) / 100))
    s = s.replacingOccurrences(of: "%D", with: String(format: "2011-%02d-%02d", Int.random(in: 1...12, using: &rng), Int.random(in: 1...28, using: &rng)))
    s = s.replacingOccurrences(of: "%O", with: String(Int.random(in: 536_365...581_587, using: &rng)))
    s = s.replacingOccurrences(of: "%Q", with: String(Int.random(in: 1...48, using: &rng)))
    s = s.replacingOccurrences(of: "%S", with: String(Int.random(in: 20_000...90_000, using: &rng)) + (Bool.random(using: &rng) ? "A" : ""))
    return s
}

var texts: [String] = []
for _ in 0..<count {
    let pool = Double.random(in: 0..<1, using: &rng) < 0.7 ? english : chinese
    var parts = (0..<Int.random(in: 1...3, using: &rng)).map { _ in fill(pool.randomElement(using: &rng)!, &rng) }
    if Double.random(in: 0..<1, using: &rng) < 0.1 { parts.insert(personal.randomElement(using: &rng)!, at: Int.random(in: 0...parts.count, using: &rng)) }
    texts.append(parts.joined(separator: " "))
}
let bytes = texts.reduce(0) { $0 + $1.utf8.count }

let redactor = Redactor()
var best = Double.infinity
var redacted = 0
for _ in 0..<rounds {
    let start = now()
    var found = 0
    for text in texts { found += redactor.redact(text).total }
    best = min(best, now() - start)
    redacted = found
}
precondition(redacted > 0, "the corpus carries personal data; the redactor found none")

// The floor for a Regex-based redactor: one alternation of two of the seven kinds, no checksums, no replacement logic.
let regex = #/[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|\+?\d[\d ().\-]{7,}\d/#
var regexBest = Double.infinity
for _ in 0..<max(1, rounds / 2) {
    let start = now()
    var out = 0
    for text in texts { out += text.replacing(regex, with: "[X]").utf8.count }
    blackHole(out)
    regexBest = min(regexBest, now() - start)
}

let mb = Double(bytes) / 1e6
let result: [String: Any] = [
    "texts": count, "bytes": bytes, "redacted": redacted, "best_seconds": best, "mb_per_s": mb / best, "texts_per_s": Double(count) / best,
    "regex_mb_per_s": mb / regexBest, "ratio_vs_regex": regexBest / best,
]
print(String(decoding: try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
