import CLVCore
import CLVData
import CLVLearn
import CLVPipeline
import CLVSQLite
import CLVTestSupport
import Foundation
import NIOHTTP1
import Testing

extension DashboardTests {
    /// A store with everything the customer page and the agent console read: CDNOW and a two-shelf shop, its
    /// catalogue, a learned run, and the sample knowledge base.
    static func prepareServiceStore(_ store: SQLiteStore, _ folder: TemporaryDirectory) async throws {
        let shop = try CustomerServiceRoutesTests.shop(in: folder)
        _ = try await OrderIngester(format: .onlineRetail).ingest(file: shop, into: store, quarantineFile: folder.url.appendingPathComponent("shop-q.csv"))
        _ = try await store.upsertProducts(try ProductFileReader.deriveFromOnlineRetail(shop).products)
        let learn = LearnWorkflow(store: store)
        let dataset = try await learn.dataset(end: CustomerServiceRoutesTests.end, holdoutEnd: CustomerServiceRoutesTests.holdoutEnd)
        _ = try await learn.fitAndSave(.zilnLinear, dataset: dataset, groups: [.summary, .modelOutputs, .behaviour], seed: 5)
        let kb = KnowledgeBaseWorkflow(store: store, encoders: try KnowledgeBaseWorkflow.loadEncoders())
        _ = try await kb.ingest(try KnowledgeBaseFile.read(ContractTests.knowledgeBase))
    }

    @Test func theCustomerPageRecommendsAndExplainsAndAgentsWorkTheirQueue() async throws {
        try await TestServer.with(prepare: Self.prepareServiceStore) { server in
            let explanation = try await CustomerServiceRoutesTests.whenReady(server, "/v1/customers/5002/explanation")
            #expect(explanation.status == 200, "\(explanation.body.prefix(300))")
            let learned = try #require(try explanation.json()["learned"] as? [String: Any])
            let value = try #require(learned["expected_value"] as? Double)
            let recommended = try #require(
                try await server.request(.GET, "/v1/customers/5002/recommendations?k=5", key: "agent").json()["products"] as? [[String: Any]]
            ).compactMap { $0["product_id"] as? String }
            let body = #"{"message": "Where is my parcel? My phone is +44 20 7946 0958", "customer_id": "5002", "session": "web-7"}"#
            let reply = try await server.request(.POST, "/v1/assist", key: "agent", body: body, timeout: 600)
            #expect(reply.status == 200, "\(reply.body.prefix(300))")
            let sources = try #require(try reply.json()["sources"] as? [String])

            try await Browser.with { browser in
                try await Self.signIn(browser, server, role: "agent")
                try await Self.load(browser, server, "/ui/customer?id=5002", page: "search")
                // Recommended next: the API's products in the API's order.
                let shown = try await Self.texts(browser, "#panel-recommended [data-table=recommended] tbody tr td:first-child")
                #expect(shown == recommended)
                // Why this value: the learned prediction beside the probabilistic one, with its contributions.
                #expect(try await Self.stat(browser, "learned-clv") == value.rounded())
                #expect(try await browser.text("#panel-why [data-field=learned-summary]").contains("ziln-linear"))
                #expect(try await browser.count("#panel-why [data-table=learned-contributions] tbody tr") == 8)

                // The agent console: the conversation is queued, and opens with its redacted words and its sources.
                try await Self.load(browser, server, "/ui/agent", page: "agent")
                let queued = try await Self.texts(browser, "[data-table=queue] tbody tr td:nth-child(2)")
                #expect(queued.contains("5002"), "\(queued)")
                try await Self.load(browser, server, "/ui/agent?customer=5002&session=web-7", page: "agent")
                let transcript = try await browser.text("#panel-conversation .transcript")
                #expect(transcript.contains("[PHONE]") && !transcript.contains("7946"), "\(transcript)")
                if !sources.isEmpty { #expect(try await browser.text("#panel-suggestion [data-field=sources]") == sources.joined(separator: ", ")) }
                #expect(try await browser.count("#panel-standing [data-panel=standing]") == 1)
            }
            try await DashboardClient.with(server) { client in
                let analyst = try await client.signIn(try #require(server.keys["analyst"]))
                #expect(try await client.send(.GET, "/ui/agent", cookie: analyst).status == 403, "the console is the service team's")
            }
        }
    }
}
