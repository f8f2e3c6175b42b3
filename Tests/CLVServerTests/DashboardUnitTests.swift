import Foundation
import Testing

@testable import CLVServer

/// The dashboard's pure pieces: escaping, sessions' expiry, form decoding.
@Suite struct DashboardUnitTests {
    @Test func interpolatedValuesAreEscapedAndMarkupIsNot() {
        let id = "\"><img src=x onerror=alert(1)>"
        let html: HTML = "<a title=\"\(id)\">\(id)</a>\(HTML(unsafe: "<b>ok</b>"))"
        #expect(html.description == "<a title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a><b>ok</b>")
        #expect(HTML.escape("<script>alert('1') & more</script>") == "&lt;script&gt;alert(&#39;1&#39;) &amp; more&lt;/script&gt;")
    }

    @Test func sessionsExpireAndCloseAndTokensAreOpaque() {
        let sessions = DashboardSessions(lifetime: 60)
        let now = Date(timeIntervalSince1970: 1_000_000)
        let token = sessions.open(secretHash: "hash", now: now)
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(sessions.open(secretHash: "hash", now: now) != token, "each sign-in gets a new token")
        #expect(sessions.session(token, now: now.addingTimeInterval(59))?.secretHash == "hash")
        #expect(sessions.session(token, now: now.addingTimeInterval(61)) == nil, "expired")
        #expect(sessions.session(token, now: now) == nil, "an expired session is forgotten")
        let other = sessions.open(secretHash: "hash", now: now)
        sessions.close(other)
        #expect(sessions.session(other, now: now) == nil)
        #expect(sessions.setCookie(token).contains("HttpOnly; SameSite=Strict"))
    }

    @Test func formsDecodePlusAsSpaceAndPercentEscapes() {
        let fields = DashboardRoutes.decodeForm("segment=At+Risk&id=%3Cscript%3E%2B1&empty=")
        #expect(fields == ["segment": "At Risk", "id": "<script>+1", "empty": ""])
        #expect(DashboardRoutes.safeNext("//evil.example") == "/ui")
        #expect(DashboardRoutes.safeNext("https://evil.example") == "/ui")
        #expect(DashboardRoutes.safeNext("/ui/model") == "/ui/model")
    }

    @Test func theAgentsQueuePutsPeopleNeededFirstThenValue() {
        func conversation(_ id: String, _ route: String, clv: Double?, at: String) -> AssistQueue.Conversation {
            let turn = TurnView(
                at: at, message: "m", reply: "r", action: "handoff", route: route, intent: "refund", sources: [], suggested_answer: nil)
            return AssistQueue.Conversation(customer_id: id, session: "s", route: route, turns: 1, tier: nil, clv: clv, last: turn)
        }
        let queue = [
            conversation("answered-rich", "auto_answer", clv: 9_000, at: "2026-12-01T10:00:00Z"),
            conversation("human-poor", "human", clv: 10, at: "2026-12-01T10:00:00Z"),
            conversation("human-unscored", "human", clv: nil, at: "2026-12-01T11:00:00Z"),
            conversation("priority-poor", "priority_human", clv: 5, at: "2026-12-01T09:00:00Z"),
            conversation("human-rich", "human", clv: 500, at: "2026-12-01T08:00:00Z"),
            conversation("human-poor-newer", "human", clv: 10, at: "2026-12-01T12:00:00Z"),
        ]
        #expect(
            AssistQueue.ordered(queue).map(\.customer_id) == [
                "priority-poor", "human-rich", "human-poor-newer", "human-poor", "human-unscored", "answered-rich",
            ])
    }
}
