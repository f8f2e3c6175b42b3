import Foundation

/// Finds text that addresses the assistant instead of the shop: "ignore previous instructions", "you are now
/// DAN", "system prompt:", "忽略之前的指令", and the like, in English and Chinese.
///
/// It is one layer among several, not the defence: the customer's text is also delimited and marked as
/// untrusted in the prompt, and routes, offers and sources are decided in code, where no text can reach them.
/// What the guard adds is that such sentences are left out of the retrieval query and the intent input (so a
/// planted "coupon" cannot pull the coupon article in), and out of knowledge passages before a model reads them.
/// It matches phrasing, so a new phrasing can pass it; what it lets through still cannot change a route or an offer.
public struct InjectionGuard: Sendable {
    public init() {}

    /// Sentences of `text` that try to instruct the assistant, and the text without them.
    public func screen(_ text: String) -> (clean: String, flagged: [String]) {
        var kept: [String] = []
        var flagged: [String] = []
        for sentence in Self.sentences(text) {
            if isInstruction(sentence) { flagged.append(sentence) } else { kept.append(sentence) }
        }
        return (kept.joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines), flagged)
    }

    /// Whether one sentence addresses the assistant's instructions, role or rules.
    public func isInstruction(_ sentence: String) -> Bool {
        let s = sentence.lowercased()
        if Self.englishPhrases.contains(where: { s.contains($0) }) { return true }
        if Self.chinesePhrases.contains(where: { sentence.contains($0) }) { return true }
        let words = Set(s.split { !$0.isLetter }.map(String.init))
        // "ignore / disregard / forget / override ... instructions / rules / prompt / policy"
        let verbs: Set<String> = ["ignore", "disregard", "forget", "override", "bypass"]
        let objects: Set<String> = [
            "instruction", "instructions", "rule", "rules", "prompt", "prompts", "guideline", "guidelines", "restriction", "restrictions",
            "previous", "above", "prior", "programming",
        ]
        if !words.isDisjoint(with: verbs) && !words.isDisjoint(with: objects) { return true }
        // Role-play: asking for it at all, or "you are now / from now on / act as" + an assistant or unrestricted role.
        let rolePlay = ["roleplay", "role-play", "role play", "pretend you are", "pretend to be", "imagine you are", "act as if"]
        if rolePlay.contains(where: { s.contains($0) }) { return true }
        let roleCues = ["pretend", "act as", "you are now", "from now on"]
        let roles: Set<String> = [
            "assistant", "manager", "admin", "administrator", "developer", "system", "dan", "unrestricted", "supervisor", "ai", "bot", "chatbot",
        ]
        if roleCues.contains(where: { s.contains($0) }) && !words.isDisjoint(with: roles) { return true }
        return false
    }

    static let englishPhrases = [
        "system prompt", "system:", "[system]", "<system>", "</system>", "assistant:", "developer mode", "jailbreak", "new instructions",
        "your instructions", "you must now", "do anything now", "as an ai with no", "reveal your", "print your prompt", "end of customer message",
        "</customer_message>", "<customer_message>", "begin system", "admin override", "the assistant must", "assistant must offer",
        "assistants must", "ai assistants", "language model must", "note to the assistant", "note to the ai",
    ]
    static let chinesePhrases = [
        "忽略", "无视", "系统提示", "系统指令", "之前的指令", "以上指令", "上面的指令", "新的指令", "你现在是", "扮演", "假装你是", "开发者模式", "不受限制",
        "助手必须", "客服必须给", "人工智能必须", "越狱",
    ]

    /// Sentence-ish pieces: split after . ! ? and their full-width forms, and at line breaks.
    public static func sentences(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character.isNewline {
                pieces.append(current)
                current = ""
                continue
            }
            current.append(character)
            if ".!?。！？；;".contains(character) {
                pieces.append(current)
                current = ""
            }
        }
        pieces.append(current)
        return pieces.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
