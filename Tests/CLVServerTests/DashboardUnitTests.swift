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
}
