import CLVCore
import CLVInsight
import CLVPipeline
import CLVSQLite
import CLVTestSupport
import Foundation
import NIOHTTP1
import Testing

@testable import CLVServer

/// The customer-insight pages of the dashboard in headless Chromium: the customer's profile panel against the API's
/// profile, the k-means segments adding up to the population, the cohort heat map against the workflow's table,
/// and the topics page; stored script payloads shown as text; no page wider than a phone.
extension DashboardTests {
    static let insightPayload = "<script>alert(1)</script>"

    /// Texts of three consenting customers (1, 2, 3) over several months, one of them a script payload.
    static let insightTexts: [(customer: String, kind: String, text: String, day: String)] = [
        ("1", "review", "Wonderful album, the sound is warm and clear \(insightPayload)", "1997-03-01"),
        ("1", "chat", "The second disc arrived scratched and I am very disappointed", "1997-05-01"),
        ("1", "review", "Great jazz recording, I love the saxophone solos", "1997-06-10"),
        ("2", "review", "Delivery took three weeks, far too slow for a small parcel", "1997-02-11"),
        ("2", "chat", "Where is my order? The tracking number does not work", "1997-02-20"),
        ("2", "review", "Classical box set with beautiful orchestral recordings", "1997-04-02"),
        ("3", "review", "Cheap price for a double album, good value", "1997-03-15"),
        ("3", "chat", "I was charged twice for the same order, please refund me", "1997-03-20"),
        ("3", "review", "The rock album is loud and energetic, great guitar riffs", "1997-07-07"),
        ("3", "search", "blues guitar live recordings", "1997-07-08"),
        ("2", "search", "opera soprano arias", "1997-05-05"),
        ("1", "search", "jazz piano trio", "1997-06-11"),
    ]

    static func postInsightTexts(_ server: TestServer) async throws {
        for id in ["1", "2", "3"] {
            #expect(try await server.request(.PUT, "/v1/customers/\(id)/consent", body: #"{"marketing": false, "profiling": true}"#).status == 200)
        }
        let batch = insightTexts.map { i -> [String: Any] in ["customer_id": i.customer, "kind": i.kind, "text": i.text, "timestamp": i.day] }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: batch), as: UTF8.self)
        let stored = try await server.request(.POST, "/v1/interactions", key: "ingest", body: body)
        #expect(stored.status == 201, "\(stored.body)")
    }

    static func texts(_ browser: Browser, _ css: String) async throws -> [String] {
        try await browser.run("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", [css]) as? [String] ?? []
    }

    @Test func insightPagesLoadAndShowTheWorkflowsNumbers() async throws {
        try await TestServer.with { server in
            try await Self.postInsightTexts(server)
            try await Browser.with { browser in
                try await DashboardTests.signIn(browser, server)

                // Customer 1 consented: counts, sentiment by month and the newest texts, the payload as text.
                try await DashboardTests.load(browser, server, "/ui/customer?id=1", page: "search")
                let profile = try await server.request(.GET, "/v1/customers/1/profile", key: "analyst").json()
                let counts = try #require(profile["interactions"] as? [String: Int])
                for (kind, n) in counts {
                    #expect(try await browser.text("#panel-profile [data-count=\"\(kind)\"]") == String(n), "\(kind) count")
                }
                #expect(try await browser.count("#panel-profile [data-field=no-consent]") == 0)
                let months = try #require(profile["sentiment"] as? [[String: Any]], "the sentiment model is installed")
                #expect(try await browser.count("svg[data-chart=sentiment] circle") == months.count)
                let texts = try await Self.texts(browser, "#panel-profile [data-field=texts] .text")
                #expect(texts.count == 4 && texts.contains { $0.contains(Self.insightPayload) }, "\(texts)")
                #expect(try await browser.count("img") == 0)

                // Customer 4 did not consent: one line says so, and there is no sentiment chart.
                try await DashboardTests.load(browser, server, "/ui/customer?id=4", page: "search")
                #expect(try await browser.text("#panel-profile [data-field=no-consent]").contains("only behavioural scores are shown"))
                #expect(try await browser.count("svg[data-chart=sentiment]") == 0)

                // The k-means segments partition the population.
                try await DashboardTests.load(browser, server, "/ui/segments", page: "segments")
                let total = try #require(try await server.request(.GET, "/v1/customers?limit=1", key: "analyst").json()["total"] as? Int)
                let sizes = try await Self.texts(browser, "[data-table=kmeans] tbody tr td:nth-child(2)").compactMap(DashboardTests.number)
                #expect(sizes.count >= 2 && sizes.reduce(0, +) == Double(total), "\(sizes) against \(total) customers")
                let shares = try await Self.texts(browser, "[data-table=kmeans] tbody tr td:nth-child(3)").compactMap(DashboardTests.number)
                #expect(abs(shares.reduce(0, +) - 100) <= 0.1 * Double(shares.count), "\(shares)")

                // Cohorts against the workflow's table over the same store.
                try await DashboardTests.load(browser, server, "/ui/cohorts", page: "cohorts")
                let table = try await InsightWorkflow(store: try SQLiteStore(path: server.databasePath)).cohorts(period: .month, model: nil, unit: .week)
                let first = try #require(table.cohorts.first)
                #expect(try await browser.count("[data-table=cohorts] tbody tr[data-cohort]") == table.cohorts.count)
                let label = CohortsPage.month(first.start)
                #expect(try await browser.text("tr[data-cohort=\"\(label)\"] [data-field=size]") == Format.integer(first.size))
                let month1 = try #require(DashboardTests.number(try await browser.text("tr[data-cohort=\"\(label)\"] td[data-k=\"1\"]")))
                #expect(abs(month1 - 100 * first.retention[1]) <= 0.05, "month-1 retention \(month1)% against \(first.retention[1])")
                let mean1 = try #require(DashboardTests.number(try await browser.text("tr[data-row=mean] td[data-k=\"1\"]")))
                #expect(abs(mean1 - 100 * table.meanRetention[1]) <= 0.05)
                #expect(try await browser.count("tr[data-row=expected] td.cell") == first.active.count, "BG/NBD's expected row under every month")
                #expect(try await browser.count("svg[data-chart=retention-curve] polyline") == 2)

                // Topics: computed in the background from the consenting customers' texts (the page reloads until then).
                var ready = false
                for _ in 0..<120 where !ready {
                    try await DashboardTests.load(browser, server, "/ui/topics", page: "topics")
                    ready = try await browser.count("[data-table=topics]") == 1
                    if !ready {
                        let main = try await browser.text("main")
                        #expect(try await browser.count("main .message.bad") == 0, "\(main)")
                        try await Task.sleep(for: .milliseconds(500))
                    }
                }
                try #require(ready, "topics appeared")
                let documents = try await DashboardTests.stat(browser, "documents")
                #expect(documents == Double(Self.insightTexts.count))
                let topicSizes = try await Self.texts(browser, "[data-table=topics] tbody tr td:nth-child(3)").compactMap(DashboardTests.number)
                let topicCount = try await DashboardTests.stat(browser, "topics")
                #expect(topicSizes.reduce(0, +) == documents && Double(topicSizes.count) == topicCount)
                let diversity = try await DashboardTests.stat(browser, "diversity")
                #expect(diversity > 0 && diversity <= 1)
                let examples = try await Self.texts(browser, "[data-table=topics] ul.texts li")
                #expect(!examples.isEmpty && examples.allSatisfy { e in Self.insightTexts.contains { $0.text == e } }, "\(examples)")
                #expect(try await browser.count("img") == 0)
            }

            // At phone width no page is wider than the screen (wide tables scroll inside their card).
            try await Browser.with(width: 390, height: 844) { browser in
                try await DashboardTests.signIn(browser, server)
                for (path, page) in [("/ui/customer?id=1", "search"), ("/ui/segments", "segments"), ("/ui/cohorts", "cohorts"), ("/ui/topics", "topics")] {
                    try await DashboardTests.load(browser, server, path, page: page)
                    let overflow = try await browser.run("return document.documentElement.scrollWidth - document.documentElement.clientWidth") as? Int
                    #expect(overflow == 0, "\(path) is \(overflow ?? -1) px wider than a phone")
                }
            }
        }
    }

    @Test func analystPagesRefuseAgents() async throws {
        try await TestServer.with { server in
            try await DashboardClient.with(server) { client in
                let cookie = try await client.signIn(try #require(server.keys["agent"]))
                for path in ["/ui/cohorts", "/ui/topics"] {
                    #expect(try await client.send(.GET, path, cookie: cookie).status == 403, "\(path)")
                }
                let analyst = try await client.signIn(try #require(server.keys["analyst"]))
                let page = try await client.send(.GET, "/ui/cohorts", cookie: analyst)
                #expect(page.status == 200 && page.body.contains("href=\"/ui/topics\"") && page.body.contains("aria-current=\"page\">Cohorts"))
            }
        }
    }
}
