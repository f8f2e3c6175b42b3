import AsyncHTTPClient
import CLVServer
import CLVTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The dashboard in a real headless Chromium against the real server over the CDNOW sample: sign-in, every page
/// without console errors or scripts, its numbers against the API's JSON, its charts' elements, and stored
/// HTML/script payloads shown as text.
@Suite(.serialized) struct DashboardTests {
    /// The number in a displayed text such as "$1,234" or "45%".
    static func number(_ text: String) -> Double? {
        Double(text.replacingOccurrences(of: "−", with: "-").filter { $0.isNumber || $0 == "." || $0 == "-" })
    }

    static func signIn(_ browser: Browser, _ server: TestServer, role: String = "analyst") async throws {
        try await browser.go("http://127.0.0.1:\(server.port)/ui")
        #expect(try await browser.currentURL.contains("/ui/login"), "an anonymous visit goes to the sign-in page")
        try await browser.type("#api-key", try #require(server.keys[role]))
        try await browser.click("#login-submit")
        // The click can return before the sign-in response has set the cookie: wait for the redirect away from login.
        try await waitForURL(browser) { !$0.contains("/ui/login") }
    }

    /// A click can return before the navigation it starts has loaded the next page: wait (up to 5 s) for its URL.
    static func waitForURL(_ browser: Browser, _ loaded: (String) -> Bool) async throws {
        for _ in 0..<100 where !loaded(try await browser.currentURL) {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Loads `path` and checks: the page rendered (no error page), no console errors, no script elements, no dialog.
    static func load(_ browser: Browser, _ server: TestServer, _ path: String, page: String) async throws {
        try await browser.go("http://127.0.0.1:\(server.port)\(path)")
        let rendered = try await browser.run("return document.querySelector('main').dataset.page") as? String
        let heading = rendered == page ? "" : ((try? await browser.text("main h1")) ?? "none")
        #expect(rendered == page, "\(path) rendered the \(rendered ?? "no") page (\(heading)), expected \(page)")
        let errors = try await browser.consoleLog().filter { $0.level == "SEVERE" || $0.level == "WARNING" }
        #expect(errors.isEmpty, "console errors on \(path): \(errors)")
        #expect(try await browser.count("script") == 0, "\(path) has no script element")
        #expect(await browser.alertIsOpen() == false, "\(path) opened a dialog")
    }

    static func stat(_ browser: Browser, _ id: String) async throws -> Double {
        try #require(number(try await browser.text("[data-stat=\"\(id)\"] .value")), "stat \(id)")
    }

    @Test func everyPageLoadsAndShowsTheAPIsNumbersAndCharts() async throws {
        try await TestServer.with { server in
            try await Browser.with { browser in
                try await Self.signIn(browser, server)
                try await Self.load(browser, server, "/ui", page: "overview")

                // Overview against the API.
                let customers = try await server.request(.GET, "/v1/customers?limit=1", key: "analyst").json()
                #expect(try await Self.stat(browser, "customers") == Double(try #require(customers["total"] as? Int)))
                let active = try await server.request(.GET, "/v1/audiences?min_p_alive=0.5", key: "analyst").json()
                #expect(try await Self.stat(browser, "active") == Double(try #require(active["size"] as? Int)))
                let everyone = try await server.request(.GET, "/v1/audiences", key: "analyst").json()
                let value = try #require(everyone["predicted_value"] as? Double)
                #expect(abs(try await Self.stat(browser, "clv") - value) <= 0.5, "predicted CLV shown to the dollar")
                let high = try await server.request(.GET, "/v1/audiences?churn_risk=high", key: "analyst").json()
                #expect(try await Self.stat(browser, "high-risk") == Double(try #require(high["size"] as? Int)))
                // The first "most valuable" customer is the API's highest-CLV customer.
                let top = try #require((customers["customers"] as? [[String: Any]])?.first?["customer_id"] as? String)
                #expect(try await browser.text("[data-table=most-valuable] tbody tr:first-child td:first-child") == top)
                // Lorenz curve from (0,0) to (1,1); its top-20% share is between 20% and 100%.
                #expect(try await browser.count("svg[data-chart=lorenz] polyline") == 2)
                let share = try #require(Self.number(try await browser.text("[data-stat=top20]")))
                #expect(share > 20 && share < 100)
                #expect(try await browser.count("svg[data-chart=clv-histogram] rect.bar") >= 5)
                #expect(try await browser.count("svg[data-chart=churn-risk] rect.bar") == 3)

                // Segments: the tier table's counts equal /v1/segments?method=tier.
                try await Self.load(browser, server, "/ui/segments", page: "segments")
                let tiers = try await server.request(.GET, "/v1/segments?method=tier", key: "analyst").json()
                let rows = try #require(tiers["segments"] as? [[String: Any]])
                let shown =
                    try await browser.run(
                        "return [...document.querySelectorAll('[data-table=tiers] tbody tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent])")
                    as? [[String]] ?? []
                #expect(shown.map { $0[0] } == rows.map { $0["segment"] as? String ?? "" })
                #expect(shown.map { Self.number($0[1]) } == rows.map { ($0["customers"] as? Int).map(Double.init) })
                #expect(try await browser.count("svg[data-chart=tier-shares] rect.bar") == 2 * rows.count)
                #expect(try await browser.count("svg[data-chart=rfm-shares] rect.bar") > 0)

                // Model: the parameters equal the saved run's, three models compared, the charts drawn.
                try await Self.load(browser, server, "/ui/model", page: "model")
                let runs = try await server.request(.GET, "/v1/model-runs", key: "analyst").json()
                let run = try #require((runs["model_runs"] as? [[String: Any]])?.first { $0["model"] as? String == "bgnbd" })
                let params = try #require(run["params"] as? [String: Double])
                let table =
                    try await browser.run(
                        "return [...document.querySelectorAll('[data-table=params-bgnbd] tbody tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent])"
                    ) as? [[String]] ?? []
                #expect(table.count == params.count)
                for row in table {
                    let expected = try #require(params[row[0]], "parameter \(row[0])")
                    #expect(abs((Self.number(row[1]) ?? .nan) - expected) <= 5e-5, "\(row[0]) shown as \(row[1]), API has \(expected)")
                }
                #expect(try await browser.count("[data-table=comparison] tbody tr") == 3)
                #expect(try await browser.count("svg[data-chart=holdout] circle") == 16, "actual and predicted for frequencies 0…7+")
                #expect(try await browser.count("svg[data-chart=tracking] polyline") == 2)
                #expect(try await browser.count("svg[data-chart=heatmap-alive] rect.cell") > 50)
                #expect(try await browser.count("svg[data-chart=heatmap-expected] rect.cell") > 50)

                // Customer 360 of customer 1 against /v1/customers/1.
                try await Self.load(browser, server, "/ui/customer?id=1", page: "search")
                let one = try await server.request(.GET, "/v1/customers/1?interval=0.9", key: "analyst").json()
                let scores = try #require(one["scores"] as? [String: Any])
                #expect(abs(try await Self.stat(browser, "p-alive") - 100 * (scores["p_alive"] as? Double ?? .nan)) <= 0.5)
                #expect(abs(try await Self.stat(browser, "expected-purchases") - (scores["expected_purchases"] as? Double ?? .nan)) <= 0.005)
                #expect(try await browser.text("[data-field=segment]").hasPrefix((scores["rfm"] as? [String: Any])?["segment"] as? String ?? "?"))
                #expect(try await browser.count("svg[data-chart=timeline] circle.purchase") == 4, "customer 1 bought on four days")
                #expect(try await browser.count("svg[data-chart=alive-history] polyline") == 1)
                #expect(try await browser.count("#panel-why li") >= 3)

                // Audiences: the size equals the API's for the same filters; search finds a customer.
                try await Self.load(browser, server, "/ui/audiences?tier=gold&churn_risk=low", page: "audiences")
                let gold = try await server.request(.GET, "/v1/audiences?tier=gold&churn_risk=low", key: "analyst").json()
                #expect(try await Self.stat(browser, "audience-size") == Double(try #require(gold["size"] as? Int)))
                // The filter form, submitted as a person would: a segment name with a space.
                try await Self.load(browser, server, "/ui/audiences", page: "audiences")
                _ = try await browser.run("document.querySelector('select[name=segment]').value = 'At Risk'")
                try await browser.click("#audience-form button[type=submit]")
                try await Self.waitForURL(browser) { $0.contains("segment=At") }
                #expect(try await browser.run("return document.querySelector('main').dataset.page") as? String == "audiences")
                let atRisk = try await server.request(.GET, "/v1/audiences?segment=At%20Risk", key: "analyst").json()
                #expect(try await Self.stat(browser, "audience-size") == Double(try #require(atRisk["size"] as? Int)))
                #expect(
                    try await browser.run("return document.getElementById('csv-export').getAttribute('href')") as? String
                        == "/ui/audiences.csv?segment=At%20Risk")
                try await Self.load(browser, server, "/ui/search?q=100", page: "search")
                #expect(try await browser.currentURL.hasSuffix("/ui/customer?id=100"), "an exact id opens the customer")
            }
        }
    }

    @Test func storedHTMLAndScriptPayloadsAreShownAsText() async throws {
        let payloads = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]
        try await TestServer.with(configure: { $0.snapshotMaxAgeSeconds = 0 }) { server in
            for (i, payload) in payloads.enumerated() {
                let order: [String: Any] = [
                    "order_id": "xss-\(i)", "customer_id": payload, "timestamp": "1998-06-01",
                    "lines": [["product_id": "p-xss-\(i)", "title": payload, "quantity": 1, "unit_price": 10]],
                ]
                let body = String(decoding: try JSONSerialization.data(withJSONObject: order), as: UTF8.self)
                #expect(try await server.request(.POST, "/v1/events", key: "ingest", body: body).status == 201)
            }
            try await Browser.with { browser in
                try await Self.signIn(browser, server)
                for payload in payloads {
                    let encoded = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                    try await Self.load(browser, server, "/ui/customer?id=\(encoded)", page: "search")
                    #expect(try await browser.text("main h1") == "Customer \(payload)")
                    #expect(try await browser.count("img") == 0)
                    // The product title is stored as posted and shown as text in the recent orders.
                    #expect(
                        try await browser.text("[data-table=recent-orders] tbody tr td:nth-child(3)")
                            == "\(payload) (p-xss-\(payloads.firstIndex(of: payload)!))")
                    // Listed by a prefix search, the id is a link whose text is the payload.
                    try await Self.load(browser, server, "/ui/search?q=\(encoded.prefix(6))", page: "search")
                    let links =
                        try await browser.run("return [...document.querySelectorAll('[data-table=matches] a.customer')].map(a => a.textContent)") as? [String]
                        ?? []
                    #expect(links.contains(payload), "\(links)")
                    #expect(try await browser.count("img") == 0)
                }
                for page in ["/ui", "/ui/segments", "/ui/audiences"] {
                    try await Self.load(browser, server, page, page: page == "/ui" ? "overview" : String(page.dropFirst(4)))
                    #expect(try await browser.count("img") == 0)
                }
            }
        }
    }

    /// Sessions over plain HTTP: cookie attributes, the API refuses the cookie, sign-out ends the session.
    @Test func sessionCookieSignsInTheDashboardOnly() async throws {
        try await TestServer.with { server in
            try await DashboardClient.with(server) { try await Self.checkSessions($0) }
        }
    }

    @Test func dashboardPagesChargeTheKeysRateLimit() async throws {
        try await TestServer.with(configure: {
            $0.rateLimit = 1
            $0.rateBurst = 3
        }) { server in
            try await DashboardClient.with(server) { client in
                let cookie = try await client.signIn(try #require(server.keys["analyst"]))
                var statuses: [Int] = []
                for _ in 0..<4 { statuses.append(try await client.send(.GET, "/ui/search", cookie: cookie).status) }
                #expect(statuses == [200, 200, 200, 429])
                let limited = try await client.send(.GET, "/ui/search", cookie: cookie)
                #expect(limited.headers.first(name: "Retry-After") != nil && limited.body.contains("Rate limit"))
                // Pages and the API draw on one bucket per key.
                #expect(try await server.request(.GET, "/v1/customers/1", key: "analyst").status == 429)
                #expect(try await server.request(.GET, "/v1/customers/1", key: "agent").status == 200)
            }
        }
    }

    static func checkSessions(_ client: DashboardClient) async throws {
        let server = client.server
        let anonymous = try await client.send(.GET, "/ui/model")
        #expect(anonymous.status == 303)
        #expect(anonymous.headers.first(name: "Location") == "/ui/login?next=%2Fui%2Fmodel")
        #expect(try await client.send(.GET, "/").headers.first(name: "Location") == "/ui")

        #expect(try await client.send(.POST, "/ui/login", form: "key=clv_wrong").status == 401)
        let ingest = try await client.send(.POST, "/ui/login", form: "key=\(try #require(server.keys["ingest"]))")
        #expect(ingest.status == 401 && ingest.body.contains("cannot view the dashboard"))

        let signedIn = try await client.send(.POST, "/ui/login", form: "key=\(try #require(server.keys["analyst"]))&next=%2Fui%2Fsegments")
        #expect(signedIn.status == 303)
        #expect(signedIn.headers.first(name: "Location") == "/ui/segments")
        let setCookie = try #require(signedIn.headers.first(name: "Set-Cookie"))
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
        #expect(!setCookie.contains(try #require(server.keys["analyst"])), "the cookie is opaque, not the key")
        let cookie = String(setCookie.prefix { $0 != ";" })

        let page = try await client.send(.GET, "/ui/segments", cookie: cookie)
        #expect(page.status == 200 && page.body.contains("data-table=\"tiers\""))
        #expect(page.headers.first(name: "Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(try await client.send(.GET, "/v1/segments", cookie: cookie).status == 401, "API routes keep Bearer keys")
        #expect(try await client.send(.POST, "/ui/login", form: "key=x&next=https%3A%2F%2Fevil.example").status == 401)
        let offsite = try await client.send(.POST, "/ui/login", form: "key=\(try #require(server.keys["analyst"]))&next=%2F%2Fevil.example")
        #expect(offsite.headers.first(name: "Location") == "/ui", "no open redirect")

        // An agent key sees customers but not the analysts' pages.
        let agent = try await client.send(.POST, "/ui/login", form: "key=\(try #require(server.keys["agent"]))")
        let agentCookie = String(try #require(agent.headers.first(name: "Set-Cookie")).prefix { $0 != ";" })
        #expect(agent.headers.first(name: "Location") == "/ui/search")
        #expect(try await client.send(.GET, "/ui/customer?id=1", cookie: agentCookie).status == 200)
        #expect(try await client.send(.GET, "/ui/segments", cookie: agentCookie).status == 403)

        let out = try await client.send(.POST, "/ui/logout", cookie: cookie)
        #expect(out.headers.first(name: "Set-Cookie")?.contains("Max-Age=0") == true)
        #expect(try await client.send(.GET, "/ui/segments", cookie: cookie).status == 303, "the session ended")
    }
}

/// Plain HTTP to the dashboard without following redirects, so tests see each 303 and its cookie.
struct DashboardClient: Sendable {
    let server: TestServer
    let client: HTTPClient

    static func with(_ server: TestServer, _ body: (DashboardClient) async throws -> Void) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await body(DashboardClient(server: server, client: client))
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func send(
        _ method: HTTPMethod, _ path: String, cookie: String? = nil, form: String? = nil
    ) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(path)")
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        return (Int(response.status.code), response.headers, String(buffer: try await response.body.collect(upTo: 16 << 20)))
    }

    /// Signs in with `key` and returns the session cookie (`name=value`).
    func signIn(_ key: String) async throws -> String {
        let reply = try await send(.POST, "/ui/login", form: "key=\(key)")
        guard reply.status == 303, let cookie = reply.headers.first(name: "Set-Cookie") else {
            throw MissingTestData(path: "a session cookie from /ui/login (got \(reply.status))")
        }
        return String(cookie.prefix { $0 != ";" })
    }
}
