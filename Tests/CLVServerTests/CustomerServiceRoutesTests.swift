import CLVCore
import CLVData
import CLVLearn
import CLVPipeline
import CLVSQLite
import CLVServer
import CLVTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The routes that attach the newer modules to a customer: learned CLV with its explanation, recommendations, and
/// the service assistant with its agents' queue, each checked against the workflow it serves.
@Suite struct CustomerServiceRoutesTests {
    static let end = CalendarDay(iso: "1997-09-30")!
    static let holdoutEnd = CalendarDay(iso: "1998-06-30")!

    /// Polls `path` until it stops answering 503 (the learned book is built in the background).
    static func whenReady(_ server: TestServer, _ path: String) async throws -> TestServer.Reply {
        for _ in 0..<600 {
            let reply = try await server.request(.GET, path, key: "analyst")
            if reply.status != 503 { return reply }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw MissingTestData(path: "\(path) ready within 120 s")
    }

    @Test func learnedCLVAndItsExplanationAreServedBesideTheProbabilisticScores() async throws {
        try await TestServer.with(prepare: { store, _ in
            let workflow = LearnWorkflow(store: store)
            let dataset = try await workflow.dataset(end: Self.end, holdoutEnd: Self.holdoutEnd)
            _ = try await workflow.fitAndSave(.zilnLinear, dataset: dataset, groups: [.summary, .modelOutputs, .behaviour], seed: 5)
        }) { server in
            let explanation = try await Self.whenReady(server, "/v1/customers/1/explanation")
            #expect(explanation.status == 200, "\(explanation.body.prefix(300))")
            // The same run applied by the workflow on the same file, independently of the server.
            let expected = try await LearnWorkflow(store: try SQLiteStore(path: server.databasePath)).scoring(asOf: nil, text: nil)
            let prediction = try #require(expected.prediction(for: CustomerID("1")))
            let body = try explanation.json()
            let learned = try #require(body["learned"] as? [String: Any])
            #expect(learned["model"] as? String == "ziln-linear")
            #expect(learned["as_of"] as? String == expected.asOf.description)
            #expect(learned["through"] as? String == expected.through.description)
            let value = try #require(learned["expected_value"] as? Double)
            #expect(value.isApproximatelyEqual(to: prediction.expectedValue, relativeTolerance: 1e-12))
            let interval = try #require(learned["interval_90"] as? [Double])
            #expect(interval.count == 2 && interval[0] <= value && value <= interval[1])
            // Each output is its baseline plus its contributions.
            let outputs = try #require(body["outputs"] as? [[String: Any]])
            #expect(outputs.contains { $0["method"] as? String == "exact-shapley-linear" })
            for output in outputs {
                let contributions = try #require(output["contributions"] as? [[String: Any]]).compactMap { $0["contribution"] as? Double }
                let baseline = try #require(output["baseline"] as? Double), total = try #require(output["value"] as? Double)
                let sum: Double = contributions.reduce(0, +)
                let tolerance: Double = 1e-9 * max(1, abs(total))
                // Exact for the linear outputs; otherwise the reported gap is what is left over.
                if output["method"] as? String == "exact-shapley-linear" {
                    #expect(abs(baseline + sum - total) <= tolerance, "\(output["output"] ?? "")")
                } else {
                    let gap = try #require(output["completeness_gap"] as? Double)
                    #expect(abs(total - baseline - sum - gap) <= tolerance)
                }
                let groups = try #require(output["groups"] as? [String: Double])
                let groupSum: Double = groups.values.reduce(0, +)
                #expect(abs(groupSum - sum) <= tolerance)
            }
            let drivers = try #require(body["probabilistic_drivers"] as? [[String: Any]])
            #expect(drivers.compactMap { $0["factor"] as? String } == ["recency", "frequency", "spend"])

            // The customer read shows the learned value next to the probabilistic scores.
            let customer = try await server.request(.GET, "/v1/customers/1", key: "analyst").json()
            let beside = try #require(customer["learned"] as? [String: Any])
            #expect((beside["expected_value"] as? Double) == value)
            #expect(customer["scores"] is [String: Any])

            // Nothing of an erased customer stays in memory.
            #expect(try await server.request(.DELETE, "/v1/customers/1").status == 200)
            #expect(try await server.request(.GET, "/v1/customers/1/explanation", key: "analyst").status == 404)
            #expect(try await server.request(.GET, "/v1/customers/999999/explanation", key: "analyst").status == 404)
        }
    }

    @Test func withoutALearnedRunTheExplanationSaysWhatToRun() async throws {
        try await TestServer.with { server in
            let reply = try await Self.whenReady(server, "/v1/customers/1/explanation")
            #expect(reply.status == 404)
            #expect(reply.body.contains("clv learn fit"), "\(reply.body)")
        }
    }

    /// Two shelves of products bought by two groups of customers (ids 5001… and 6001…, clear of CDNOW's).
    static func shop(in folder: TemporaryDirectory) throws -> URL {
        var lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
        var invoice = 500_000
        for (shelf, base) in [("A", 5001), ("B", 6001)] {
            for i in 0..<10 {
                for j in 0..<5 {
                    invoice += 1
                    let date = "1997-0\(1 + j)-10 10:00:00"
                    lines.append("\(invoice),\(shelf)\((i + j) % 6),SHELF \(shelf) ITEM \((i + j) % 6),\(j + 1),\(date),1.25,\(base + i),United Kingdom")
                }
            }
        }
        return try folder.write("shop.csv", lines.joined(separator: "\n") + "\n")
    }

    @Test func recommendationsAndSimilarProductsComeWithTitlesAndReasons() async throws {
        try await TestServer.with(prepare: { store, folder in
            let file = try Self.shop(in: folder)
            _ = try await OrderIngester(format: .onlineRetail).ingest(file: file, into: store, quarantineFile: folder.url.appendingPathComponent("shop-q.csv"))
            _ = try await store.upsertProducts(try ProductFileReader.deriveFromOnlineRetail(file).products)
        }) { server in
            let reply = try await server.request(.GET, "/v1/customers/5002/recommendations?k=3", key: "agent")
            #expect(reply.status == 200, "\(reply.body.prefix(300))")
            let products = try #require(try reply.json()["products"] as? [[String: Any]])
            let expected = try await RecommendWorkflow(store: try SQLiteStore(path: server.databasePath)).recommend(customer: CustomerID("5002"), k: 3)
            #expect(products.compactMap { $0["product_id"] as? String } == expected.map(\.product))
            #expect(products.compactMap { $0["reason"] as? String } == expected.map(\.reason))
            #expect(products.first?["title"] as? String == expected.first?.title)
            // 5002 bought A1…A5: the only product of their shelf they lack comes first.
            #expect(products.first?["product_id"] as? String == "A0")

            let similar = try await server.request(.GET, "/v1/products/B2/similar?k=3", key: "analyst")
            let neighbours = try #require(try similar.json()["products"] as? [[String: Any]])
            #expect(neighbours.count == 3)
            let ids = neighbours.compactMap { $0["product_id"] as? String }
            #expect(ids.count == 3 && ids.allSatisfy { $0.hasPrefix("B") && $0 != "B2" }, "\(ids)")

            #expect(try await server.request(.GET, "/v1/products/NOPE/similar", key: "analyst").status == 404)
            #expect(try await server.request(.GET, "/v1/customers/424242/recommendations", key: "analyst").status == 404)
            #expect(try await server.request(.GET, "/v1/customers/5002/recommendations?k=0", key: "analyst").status == 400)
        }
    }

    @Test func theAssistantAnswersAndQueuesConversationsForAgentsRedacted() async throws {
        try await TestServer.with(prepare: { store, _ in
            let kb = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("knowledge-base")
            let workflow = KnowledgeBaseWorkflow(store: store, encoders: try KnowledgeBaseWorkflow.loadEncoders())
            _ = try await workflow.ingest(try KnowledgeBaseFile.read(kb))
        }) { server in
            let message = #"{"message": "How long does standard delivery take? Write to me at jane.doe@example.com", "customer_id": "1", "session": "web-1"}"#
            #expect(try await server.request(.POST, "/v1/assist", key: "analyst", body: message).status == 403)
            let reply = try await server.request(.POST, "/v1/assist", key: "agent", body: message, timeout: 600)
            #expect(reply.status == 200, "\(reply.body.prefix(300))")
            let answer = try reply.json()
            let route = try #require(answer["route"] as? String)
            #expect(["auto_answer", "human", "priority_human"].contains(route))
            #expect(!(try #require(answer["reasons"] as? [String])).isEmpty)
            let sources = try #require(answer["sources"] as? [String])
            #expect(!sources.isEmpty, "a delivery question finds delivery articles: \(answer)")
            #expect(answer["intent"] is String && answer["answer"] is String && answer["action"] is String)

            // The turn is stored redacted, with what an agent needs to take it over.
            let conversation = try await server.request(.GET, "/v1/customers/1/conversations/web-1", key: "agent").json()
            let turns = try #require(conversation["turns"] as? [[String: Any]])
            #expect(turns.count == 1)
            let stored = try #require(turns.first)
            #expect((stored["message"] as? String)?.contains("jane.doe@example.com") == false)
            #expect((stored["message"] as? String)?.contains("[EMAIL]") == true)
            #expect(stored["sources"] as? [String] == sources)
            #expect(stored["intent"] as? String == answer["intent"] as? String)

            let queue = try await server.request(.GET, "/v1/assist/queue", key: "agent").json()
            let waiting = try #require(queue["conversations"] as? [[String: Any]])
            #expect(waiting.first?["customer_id"] as? String == "1" && waiting.first?["session"] as? String == "web-1")
            #expect(waiting.first?["tier"] is String, "the queue shows what the customer is worth")

            #expect(try await server.request(.POST, "/v1/assist", key: "agent", body: #"{"message": "  "}"#).status == 422)
            #expect(try await server.request(.POST, "/v1/assist", key: "agent", body: #"{"message": "hi", "session": "s"}"#).status == 422)
            #expect(try await server.request(.POST, "/v1/assist", key: "agent", body: #"{"message": "hi", "customer_id": "424242"}"#).status == 404)

            // Erasure takes the conversation with it.
            #expect(try await server.request(.DELETE, "/v1/customers/1").status == 200)
            #expect(try await server.request(.GET, "/v1/customers/1/conversations/web-1", key: "agent").status == 404)
            let after = try await server.request(.GET, "/v1/assist/queue", key: "agent").json()
            #expect((after["conversations"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func theAssistantCanAnswerThroughAnyOpenAICompatibleEndpoint() async throws {
        // Another CLVKit server is the endpoint: its chat completions count the calls the assistant made.
        try await TestServer.with { endpoint in
            let variable = "CLV_TEST_ASSIST_KEY_\(endpoint.port)"
            setenv(variable, try #require(endpoint.keys["agent"]), 1)
            defer { unsetenv(variable) }
            try await TestServer.with(
                configure: {
                    $0.assistLLM = try? JSONDecoder().decode(
                        ServerConfiguration.AssistLLM.self,
                        from: Data(#"{"url": "http://127.0.0.1:\#(endpoint.port)/v1", "model": "SmolLM2-135M-Instruct", "api_key_env": "\#(variable)"}"#.utf8))
                },
                prepare: { store, _ in
                    let workflow = KnowledgeBaseWorkflow(store: store, encoders: try KnowledgeBaseWorkflow.loadEncoders())
                    _ = try await workflow.ingest(try KnowledgeBaseFile.read(ContractTests.knowledgeBase))
                }
            ) { server in
                let body = #"{"message": "How long does standard delivery take?"}"#
                let reply = try await server.request(.POST, "/v1/assist", key: "agent", body: body, timeout: 600)
                #expect(reply.status == 200, "\(reply.body.prefix(300))")
                let metrics = try await endpoint.request(.GET, "/metrics").body
                let calls = metrics.split(separator: "\n").filter { $0.contains("route=\"/v1/chat/completions\"") && $0.contains("status=\"200\"") }
                #expect(try reply.json()["faithful"] != nil, "the model was asked: \(reply.body.prefix(300))")
                #expect(!calls.isEmpty, "the answer was written by the endpoint")
            }
        }
    }
}
