import AsyncHTTPClient
import CLVCore
import CLVData
import CLVModels
import CLVServer
import CLVTestSupport
import Foundation
import GRDB
import NIOHTTP1
import Testing

/// The HTTP API over real sockets: auth, every route, errors, events, erasure, metrics, the OpenAPI document.
@Suite(.serialized) struct APITests {
    @Test func healthIsPublicAndEverythingElseNeedsAKeyWithTheRightRole() async throws {
        try await TestServer.with { server in
            #expect(try await server.request(.GET, "/healthz", key: nil).status == 200)
            let ready = try await server.request(.GET, "/readyz", key: nil)
            #expect(ready.status == 200)
            #expect(try ready.json()["model"] as? String == "bgnbd")

            let missing = try await server.request(.GET, "/v1/customers/1", key: nil)
            #expect(missing.status == 401)
            #expect(missing.headers["www-authenticate"] == "Bearer")
            #expect(
                try (missing.json()["error"] as? [String: Any])?["message"] as? String
                    == "Missing API key: send 'Authorization: Bearer <key>' (create one with `clv keys create --role analyst`).")
            #expect(try await server.request(.GET, "/v1/customers/1", key: nil, rawKey: "clv_wrong").status == 401)
            #expect(try await server.request(.GET, "/metrics", key: nil).status == 401)
            #expect(try await server.request(.GET, "/openapi.json", key: nil).status == 401)

            let forbidden = try await server.request(.GET, "/v1/segments", key: "agent")
            #expect(forbidden.status == 403)
            #expect(forbidden.body.contains("needs one of: admin, analyst"))
            #expect(try await server.request(.GET, "/v1/customers/1", key: "ingest").status == 403)
            #expect(try await server.request(.GET, "/v1/customers/1", key: "agent").status == 200)
            #expect(try await server.request(.DELETE, "/v1/customers/1", key: "analyst").status == 403)

            #expect(try await server.request(.GET, "/v1/customers/no-such-customer").status == 404)
            let noRoute = try await server.request(.GET, "/v1/nothing-here")
            #expect(noRoute.status == 404)
            #expect(try noRoute.json()["error"] != nil)
        }
    }

    @Test func customerScoresEqualTheSavedModelsPredictions() async throws {
        try await TestServer.with { server in
            let reply = try await server.request(.GET, "/v1/customers/1?interval=0.9")
            #expect(reply.status == 200)
            let customer = try reply.json()
            let summary = try #require(customer["summary"] as? [String: Any])
            let scores = try #require(customer["scores"] as? [String: Any])
            #expect(summary["as_of"] as? String == "1998-06-30")
            // Customer 1 bought on 1997-01-01, 01-18, 08-02 and 12-12: x = 3, tₓ = 345 days, T = 545 days.
            #expect(summary["frequency"] as? Int == 3)
            #expect((summary["recency"] as! Double).isApproximatelyEqual(to: 345.0 / 7, relativeTolerance: 1e-12))
            #expect((summary["T"] as! Double).isApproximatelyEqual(to: 545.0 / 7, relativeTolerance: 1e-12))

            let runID = try #require(scores["model_run_id"] as? Int)
            #expect(try await server.request(.GET, "/v1/model-runs/\(runID)").json()["model"] as? String == "bgnbd")
            let json = try #require(try server.query { try String.fetchOne($0, sql: "SELECT fit_json FROM model_run WHERE id = ?", arguments: [runID]) })
            let model = try #require(try JSONDecoder().decode(FittedModel.self, from: Data(json.utf8)).purchase).model
            let history = try CustomerSummary(frequency: 3, recency: 345.0 / 7, age: 545.0 / 7)
            #expect(
                (scores["expected_purchases"] as! Double).isApproximatelyEqual(
                    to: model.expectedPurchases(within: 52, given: history), relativeTolerance: 1e-12))
            #expect((scores["p_alive"] as! Double).isApproximatelyEqual(to: model.probabilityAlive(given: history), relativeTolerance: 1e-12))
            let interval = try #require(scores["interval"] as? [String: Any])
            let bounds = try #require(interval["expected_purchases"] as? [Double])
            #expect(bounds[0] <= scores["expected_purchases"] as! Double && (scores["expected_purchases"] as! Double) <= bounds[1])
            #expect(["platinum", "gold", "silver", "bronze"].contains(scores["tier"] as? String ?? ""))
            #expect((scores["rfm"] as? [String: Any])?["segment"] as? String != nil)
        }
    }

    @Test func everyReadOfACustomerIsAuditedUnderAKeyedHash() async throws {
        try await TestServer.with { server in
            #expect(try await server.request(.GET, "/v1/customers/42", key: "agent").status == 200)
            var rows: [String] = []
            for _ in 0..<50 where rows.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                rows = try server.query { db in
                    try Row.fetchAll(db, sql: "SELECT actor, customer_hash FROM audit_event WHERE action = 'read customer'").map {
                        "\($0[0] as String) \($0[1] as String)"
                    }
                }
            }
            #expect(rows.count == 1)
            let parts = rows.first?.split(separator: " ") ?? []
            #expect(parts.first?.hasPrefix("key:") == true)
            #expect(parts.last?.count == 64)
            #expect(parts.last != "42")
        }
    }

    @Test func anOrderUpdatesTheCustomerInTheSameRequestAndIsIdempotent() async throws {
        try await TestServer.with { server in
            let before = try await server.request(.GET, "/v1/customers/1").json()
            let x0 = (before["summary"] as! [String: Any])["frequency"] as! Int
            let order =
                #"{"order_id": "web-1001", "customer_id": "1", "timestamp": "1998-07-02T10:15:00Z", "lines": [{"product_id": "cd-42", "title": "Kind of Blue", "quantity": 2, "unit_price": 12.5}]}"#
            let first = try await server.request(.POST, "/v1/events", key: "ingest", body: order)
            #expect(first.status == 201, "\(first.body)")
            let accepted = try first.json()
            #expect(accepted["duplicate"] as? Bool == false)
            let summary = try #require((accepted["customer"] as? [String: Any])?["summary"] as? [String: Any])
            #expect(summary["frequency"] as? Int == x0 + 1)
            #expect(summary["as_of"] as? String == "1998-07-02")

            let again = try await server.request(.POST, "/v1/events", key: "ingest", body: order)
            #expect(again.status == 200)
            #expect(try again.json()["duplicate"] as? Bool == true)
            let after = try await server.request(.GET, "/v1/customers/1").json()
            #expect((after["summary"] as! [String: Any])["frequency"] as? Int == x0 + 1)

            // The order heads the customer's history, with its product's title; every stored line is there.
            let history = try await server.request(.GET, "/v1/customers/1/orders?limit=500", key: "agent")
            #expect(history.status == 200, "\(history.body)")
            let lines = try #require(try history.json()["lines"] as? [[String: Any]])
            let stored = try server.query { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM order_line WHERE customer_id = '1'") }
            #expect(lines.count == stored)
            let newest = try #require(lines.first)
            #expect(newest["date"] as? String == "1998-07-02" && newest["time"] as? String == "10:15:00")
            #expect(newest["order_id"] as? String == "web-1001" && newest["product_title"] as? String == "Kind of Blue")
            #expect(newest["amount"] as? Double == 25)
            let dates = lines.compactMap { $0["date"] as? String }
            #expect(dates == dates.sorted(by: >), "newest first")
            let one = try await server.request(.GET, "/v1/customers/1/orders?limit=1", key: "agent").json()["lines"] as? [[String: Any]]
            #expect(one?.count == 1)
            #expect(try await server.request(.GET, "/v1/customers/no-such-customer/orders").status == 404)
            #expect(try await server.request(.GET, "/v1/customers/1/orders", key: "ingest").status == 403)
        }
    }

    @Test func concurrentEventsForOneCustomerLoseNoUpdate() async throws {
        try await TestServer.with { server in
            let n = 40
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<n {
                    group.addTask {
                        let day = CalendarDay(iso: "1998-07-01")!.adding(days: i)
                        let body = #"{"order_id": "burst-\#(i)", "customer_id": "burst-customer", "timestamp": "\#(day)", "amount": 10.25}"#
                        return try await server.request(.POST, "/v1/events", key: "ingest", body: body).status
                    }
                }
                for try await status in group { #expect(status == 201) }
            }
            let customer = try await server.request(.GET, "/v1/customers/burst-customer").json()
            let summary = try #require(customer["summary"] as? [String: Any])
            #expect(summary["frequency"] as? Int == n - 1)
            #expect(summary["monetary_value"] as? Double == 10.25)
            let (days, total) = try server.query { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM customer_day WHERE customer_id = 'burst-customer'"),
                    try Double.fetchOne(db, sql: "SELECT total(amount) FROM order_line WHERE customer_id = 'burst-customer'")
                )
            }
            #expect(days == n)
            #expect(total == Double(n) * 10.25)
        }
    }

    @Test func malformedAndOversizedBodiesAreRejectedWithTheRightStatus() async throws {
        try await TestServer.with(configure: { $0.maxBodyBytes = 4_096 }) { server in
            let notJSON = try await server.request(.POST, "/v1/events", key: "ingest", body: "{not json")
            #expect(notJSON.status == 400)
            #expect(notJSON.body.contains("not valid JSON"))
            let wrongType = try await server.request(
                .POST, "/v1/events", key: "ingest", body: #"{"order_id": 5, "customer_id": "1", "timestamp": "1998-07-01"}"#)
            #expect(wrongType.status == 422)
            #expect(wrongType.body.contains("'order_id' must be a string"))
            let missing = try await server.request(.POST, "/v1/events", key: "ingest", body: #"{"customer_id": "1", "timestamp": "1998-07-01", "amount": 1}"#)
            #expect(missing.status == 422)
            #expect(missing.body.contains("Missing field 'order_id'"))
            let badDate = try await server.request(
                .POST, "/v1/events", key: "ingest", body: #"{"order_id": "x", "customer_id": "1", "timestamp": "yesterday", "amount": 1}"#)
            #expect(badDate.status == 422)
            let huge = try await server.request(
                .POST, "/v1/events", key: "ingest", body: #"{"order_id": "x", "customer_id": "1", "timestamp": "1998-07-01", "amount": 1e300}"#)
            #expect(huge.status == 422)
            let big = String(repeating: "a", count: 10_000)
            let oversized = try await server.request(
                .POST, "/v1/events", key: "ingest", body: #"{"order_id": "\#(big)", "customer_id": "1", "timestamp": "1998-07-01", "amount": 1}"#)
            #expect(oversized.status == 413)
            #expect(oversized.body.contains("larger than 4096 bytes"))
            let invalidUTF8 = try await server.request(
                .POST, "/v1/events", key: "ingest",
                bytes: Array(#"{"order_id": ""#.utf8) + [0xFF, 0xFE] + Array(#"", "customer_id": "1", "timestamp": "1998-07-01", "amount": 1}"#.utf8))
            #expect(invalidUTF8.status == 400)
        }
    }

    @Test func rateLimitGives429WithRetryAfter() async throws {
        try await TestServer.with(configure: {
            $0.rateLimit = 1
            $0.rateBurst = 3
        }) { server in
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await server.request(.GET, "/v1/customers/1", key: "agent").status) }
            #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
            #expect(statuses.last == 429)
            let limited = try await server.request(.GET, "/v1/customers/1", key: "agent")
            #expect(limited.headers["retry-after"] != nil)
            // Another key has its own bucket.
            #expect(try await server.request(.GET, "/v1/customers/1", key: "analyst").status == 200)
        }
    }

    @Test func erasureLeavesNothingButAKeyedHash() async throws {
        try await TestServer.with { server in
            let id = "erase-me-7f3a9c"
            let order = #"{"order_id": "erase-order-1", "customer_id": "\#(id)", "timestamp": "1998-07-03", "country": "Iceland", "amount": 99.5}"#
            #expect(try await server.request(.POST, "/v1/events", key: "ingest", body: order).status == 201)
            #expect(try await server.request(.GET, "/v1/customers/\(id)").status == 200)
            let consent = try await server.request(.PUT, "/v1/customers/\(id)/consent", body: #"{"marketing": false, "profiling": true}"#)
            #expect(consent.status == 200)
            let words = "Quokka-shaped teapot 7f3a9c arrived chipped"
            let posted = try await server.request(
                .POST, "/v1/interactions", key: "ingest", body: #"{"customer_id": "\#(id)", "kind": "review", "text": "\#(words)", "rating": 2}"#)
            #expect(posted.status == 201, "\(posted.body)")
            #expect(try posted.json()["embedded"] as? Int == 1, "a consenting customer's new text is embedded in the request")
            let hash = try server.query { db in try String.fetchOne(db, sql: "SELECT text_hash FROM interaction WHERE customer_id = ?", arguments: [id]) }
            let erased = try await server.request(.DELETE, "/v1/customers/\(id)")
            #expect(erased.status == 200, "\(erased.body)")
            #expect(try await server.request(.GET, "/v1/customers/\(id)").status == 404)
            #expect(try await server.request(.DELETE, "/v1/customers/\(id)").status == 404)
            let audience = try await server.request(.GET, "/v1/audiences?format=csv")
            #expect(!audience.body.contains(id))

            try await Task.sleep(for: .milliseconds(500))  // let the audit trail flush
            let leftovers = try server.query { db -> [String] in
                var found: [String] = []
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                for table in tables {
                    let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                    for column in columns {
                        for needle in [id, words, try #require(hash)] {
                            let hits =
                                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE CAST(\(column) AS TEXT) LIKE ?", arguments: ["%\(needle)%"]) ?? 0
                            if hits > 0 { found.append("\(table).\(column)") }
                        }
                    }
                }
                return found
            }
            #expect(leftovers.isEmpty, "the erased id is still in \(leftovers)")
            let erasures = try server.query { db in
                try String.fetchAll(db, sql: "SELECT customer_hash FROM audit_event WHERE action = 'erase'")
            }
            #expect(erasures.count == 1)
            #expect(erasures.first?.count == 64)
        }
    }

    @Test func interactionsAreRedactedAndOnlyConsentingCustomersAreProfiled() async throws {
        try await TestServer.with { server in
            // CDNOW sample customers 1 and 2: 1 consents to profiling, 2 does not (the default).
            #expect(try await server.request(.PUT, "/v1/customers/1/consent", body: #"{"marketing": false, "profiling": true}"#).status == 200)
            let batch = #"""
                [{"customer_id": "1", "kind": "review", "text": "Wonderful album, mail me at fan@example.org", "rating": 5, "timestamp": "1997-03-01"},
                 {"customer_id": "1", "kind": "chat", "text": "The second disc arrived scratched and I am very disappointed", "timestamp": "1997-05-01"},
                 {"customer_id": "2", "kind": "review", "text": "Terrible sound, never again", "rating": 1, "timestamp": "1997-04-01"}]
                """#
            let stored = try await server.request(.POST, "/v1/interactions", key: "ingest", body: batch)
            #expect(stored.status == 201, "\(stored.body)")
            let body = try stored.json()
            #expect(body["stored"] as? Int == 3)
            #expect(body["embedded"] as? Int == 2, "customer 2's text is not embedded")
            #expect((body["redactions"] as? [String: Int]) == ["email": 1])
            #expect(try await server.request(.POST, "/v1/interactions", key: "ingest", body: batch).status == 200, "a repeat is a duplicate")

            let texts = try server.query { db in try String.fetchAll(db, sql: "SELECT text FROM interaction ORDER BY at") }
            #expect(texts.contains("Wonderful album, mail me at [EMAIL]") && !texts.joined().contains("fan@example.org"))
            let vectors = try server.query { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM embedding") }
            #expect(vectors == 2)

            let consenting = try await server.request(.GET, "/v1/customers/1/profile", key: "agent").json()
            #expect(consenting["profiling_consent"] as? Bool == true)
            #expect((consenting["interactions"] as? [String: Int]) == ["review": 1, "chat": 1])
            let months = try #require(consenting["sentiment"] as? [[String: Any]], "the installed sentiment model scores consenting customers' texts")
            #expect(months.map { $0["month"] as? String } == ["1997-03", "1997-05"])
            let scores = months.compactMap { $0["mean_score"] as? Double }
            #expect(scores.count == 2 && scores[0] > 0.3 && scores[1] < -0.3, "praise scores positive, a complaint negative: \(scores)")

            let declined = try await server.request(.GET, "/v1/customers/2/profile", key: "agent").json()
            #expect(declined["profiling_consent"] as? Bool == false)
            #expect(declined["sentiment"] == nil && declined["interests"] == nil)
            #expect(declined["behaviour"] != nil, "behavioural scores stay")

            let invalid = try await server.request(.POST, "/v1/interactions", key: "ingest", body: #"[{"customer_id": "3", "kind": "rant", "text": "x"}]"#)
            #expect(invalid.status == 422 && invalid.body.contains("interactions[0]: kind 'rant'"), "\(invalid.body)")
            #expect(try await server.request(.POST, "/v1/interactions", key: "agent", body: batch).status == 403)
        }
    }

    @Test func everyDocumentedRouteIsServedAndMetricsCountThem() async throws {
        try await TestServer.with { server in
            let document = try await server.request(.GET, "/openapi.json").json()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            #expect(paths.count >= 12)
            for (path, operations) in paths {
                for method in operations.keys {
                    // Erase a different customer than the one read, whatever order the paths come in.
                    let id = path.contains("model-runs") || path.contains("fit-jobs") ? "1" : method == "delete" ? "3" : "2"
                    let concrete = path.replacingOccurrences(of: "{id}", with: id)
                    let body: String? = method == "get" || method == "delete" ? nil : "{}"
                    let reply = try await server.request(HTTPMethod(rawValue: method.uppercased()), concrete, body: body)
                    #expect(!reply.body.contains("No such route"), "\(method) \(path) is documented but not served")
                    #expect(reply.status != 500, "\(method) \(path): \(reply.body)")
                }
            }
            #expect(try await server.request(.GET, "/v1/customers/nobody").status == 404)
            let metrics = try await server.request(.GET, "/metrics", key: "analyst")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains(#"clv_http_requests_total{method="GET",route="/openapi.json",status="200"} 2"#))
            #expect(metrics.body.contains(#"clv_http_requests_total{method="GET",route="/v1/customers/{id}",status="404"} 1"#))
            #expect(metrics.body.contains(#"clv_http_request_duration_seconds_bucket{route="/v1/customers/{id}",le="+Inf"}"#))
            #expect(metrics.body.contains("clv_model_run_age_seconds"))
        }
    }

    @Test func segmentsAndAudiencesAddUpAndRespectConsent() async throws {
        try await TestServer.with { server in
            let tiers = try await server.request(.GET, "/v1/segments?method=tier").json()
            let rows = try #require(tiers["segments"] as? [[String: Any]])
            #expect(rows.map { $0["segment"] as? String } == ["platinum", "gold", "silver", "bronze"])
            #expect(rows.reduce(0) { $0 + ($1["customers"] as! Int) } == 2_357)
            #expect(abs(rows.reduce(0.0) { $0 + ($1["share_of_clv"] as! Double) } - 1) < 1e-9)

            let gold = try await server.request(.GET, "/v1/audiences?tier=gold").json()
            #expect(gold["size"] as? Int == rows[1]["customers"] as? Int)
            let csv = try await server.request(.GET, "/v1/audiences?tier=gold&format=csv")
            #expect(csv.headers["x-audience-size"] == String(gold["size"] as! Int))
            #expect(csv.body.split(separator: "\n").count == (gold["size"] as! Int) + 1)

            #expect(try await server.request(.GET, "/v1/audiences?consent=marketing").json()["size"] as? Int == 0)
            let consent = try await server.request(.PUT, "/v1/customers/1/consent", body: #"{"marketing": true, "profiling": false}"#)
            #expect(consent.status == 200)
            let opted = try await server.request(.GET, "/v1/audiences?consent=marketing").json()
            #expect(opted["size"] as? Int == 1)
            #expect(try await server.request(.GET, "/v1/audiences?tier=diamond").status == 400)
            #expect(try await server.request(.GET, "/v1/audiences?min_p_alive=2").status == 400)
        }
    }

    @Test func fitsRunInTheBackgroundAndAreListed() async throws {
        try await TestServer.with { server in
            let queued = try await server.request(.POST, "/v1/fit-jobs", key: "analyst", body: #"{"model": "pnbd", "end": "1997-09-30", "unit": "week"}"#)
            #expect(queued.status == 202, "\(queued.body)")
            let job = try #require(try queued.json()["id"] as? Int)
            #expect(queued.headers["location"] == "/v1/fit-jobs/\(job)")
            let old = try await server.request(.POST, "/v1/model-runs", key: "analyst", body: #"{"model": "pnbd"}"#)
            #expect(old.status == 405 && old.headers["allow"] == "GET", "saved runs are read here; fits are queued at /v1/fit-jobs")
            var status = ""
            for _ in 0..<200 where status != "finished" && status != "failed" {
                try await Task.sleep(for: .milliseconds(50))
                status = try await server.request(.GET, "/v1/fit-jobs/\(job)", key: "analyst").json()["status"] as? String ?? ""
            }
            #expect(status == "finished")
            let runs = try #require(try await server.request(.GET, "/v1/model-runs").json()["model_runs"] as? [[String: Any]])
            let pnbd = try #require(runs.first { $0["model"] as? String == "pnbd" })
            let params = try #require(pnbd["params"] as? [String: Double])
            // Pareto/NBD on the CDNOW calibration period (Fader, Hardie & Lee 2005): r = 0.553, α = 10.578, s = 0.606, β = 11.669.
            #expect(params["r"]!.isApproximatelyEqual(to: 0.5533, relativeTolerance: 1e-2))
            #expect(params["s"]!.isApproximatelyEqual(to: 0.6061, relativeTolerance: 1e-2))
            #expect(try await server.request(.POST, "/v1/fit-jobs", key: "analyst", body: #"{"model": "nope"}"#).status == 422)
        }
    }
}

extension APITests {
    @Test func aFitThatCannotRunFailsWithItsReasonAndBadConfigurationIsRefused() async throws {
        try await TestServer.with { server in
            // A window before the first order is refused at submission; one with no repeat buyers fails with its reason.
            let early = try await server.request(.POST, "/v1/fit-jobs", key: "analyst", body: #"{"model": "gg", "end": "0123-10-06"}"#)
            #expect(early.status == 422)
            #expect(early.body.contains("is before the first order (1997-01-01)"))
            let queued = try await server.request(.POST, "/v1/fit-jobs", key: "analyst", body: #"{"model": "bgnbd", "end": "1997-01-01"}"#)
            #expect(queued.status == 202)
            let job = try #require(try queued.json()["id"] as? Int)
            var reply: [String: Any] = [:]
            for _ in 0..<200 where !["finished", "failed"].contains(reply["status"] as? String ?? "") {
                try await Task.sleep(for: .milliseconds(50))
                reply = try await server.request(.GET, "/v1/fit-jobs/\(job)", key: "analyst").json()
            }
            #expect(reply["status"] as? String == "failed")
            #expect(reply["error"] as? String == FitError.noRepeatBuyers.description)
            #expect((reply["model_run_ids"] as? [Int])?.isEmpty == true)
        }
        #expect(throws: ServerConfigurationError.self) {
            _ = try ServerConfiguration.load(file: try TemporaryDirectory().write("bad.json", #"{"model": "gg"}"#).path, environment: [:])
        }
    }
}

extension APITests {
    @Test func knownPathsRefuseOtherMethodsAndTheLanguageModelsAreListed() async throws {
        try await TestServer.with { server in
            let trace = try await server.request(.TRACE, "/v1/segments")
            #expect(trace.status == 405)
            #expect(trace.headers["allow"] == "GET")
            let put = try await server.request(.PUT, "/v1/model-runs", body: "{}")
            #expect(put.status == 405 && put.headers["allow"] == "GET")
            let query = try await server.request(.RAW(value: "QUERY"), "/v1/fit-jobs")
            #expect(query.status == 405 && query.headers["allow"] == "POST", "a method the router has never heard of")
            #expect(try await server.request(.GET, "/favicon.ico", key: nil).status == 204)
            let models = try await server.request(.GET, "/v1/models", key: "agent").json()
            let ids = (models["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["SmolLM2-135M-Instruct", "all-MiniLM-L6-v2", "multilingual-e5-small"])
            #expect(try await server.request(.GET, "/v1/models/gpt-4", key: "agent").status == 404)
        }
    }
}

/// The language-model endpoints through a real HTTP client, with the real models.
@Suite(.serialized) struct LanguageAPITests {
    @Test func embeddingsAreUnitVectorsOf384Dimensions() async throws {
        _ = try TestData.model("all-MiniLM-L6-v2", "model.safetensors")
        try await TestServer.with { server in
            let reply = try await server.request(.POST, "/v1/embeddings", key: "agent", body: #"{"input": ["a red teapot", "Où est ma commande ?"]}"#)
            #expect(reply.status == 200, "\(reply.body)")
            let data = try #require(try reply.json()["data"] as? [[String: Any]])
            #expect(data.count == 2)
            for item in data {
                let vector = try #require(item["embedding"] as? [Double])
                #expect(vector.count == 384)
                #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            }
        }
    }

    /// e5-small serves Chinese: a paraphrase lies nearer than a different complaint, and the reply names the model.
    @Test func e5SmallEmbedsChineseThroughTheSameEndpoint() async throws {
        _ = try TestData.model("multilingual-e5-small", "e5-small-q4.bin")
        try await TestServer.with { server in
            let body = #"{"model": "multilingual-e5-small", "input": ["质量很好，很喜欢", "质量非常好，我很满意", "快递太慢了，等了两个星期"]}"#
            let reply = try await server.request(.POST, "/v1/embeddings", key: "agent", body: body)
            #expect(reply.status == 200, "\(reply.body)")
            let object = try reply.json()
            #expect(object["model"] as? String == "multilingual-e5-small")
            let vectors = try #require((object["data"] as? [[String: Any]])?.compactMap { $0["embedding"] as? [Double] })
            func cosine(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
            #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]))
            let unknown = try await server.request(.POST, "/v1/embeddings", key: "agent", body: #"{"model": "bert", "input": "x"}"#)
            #expect(unknown.status == 422 && unknown.body.contains("multilingual-e5-small"))
        }
    }

    @Test func chatCompletionsAnswerAndStreamTheSameGreedyReply() async throws {
        _ = try TestData.model("SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct.Q4_1.gguf")
        try await TestServer.with { server in
            let request = #"{"messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 12, "temperature": 0}"#
            let reply = try await server.request(.POST, "/v1/chat/completions", key: "agent", body: request)
            #expect(reply.status == 200, "\(reply.body)")
            let object = try reply.json()
            #expect(object["object"] as? String == "chat.completion")
            let choice = try #require((object["choices"] as? [[String: Any]])?.first)
            let text = try #require((choice["message"] as? [String: Any])?["content"] as? String)
            #expect(!text.isEmpty)
            #expect((object["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 0 > 0)

            let streamed = try await server.request(
                .POST, "/v1/chat/completions", key: "agent", body: request.replacingOccurrences(of: "}]", with: #"}], "stream": true"#))
            #expect(streamed.status == 200)
            #expect(streamed.headers["content-type"] == "text/event-stream")
            let events = streamed.body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
            #expect(events.last == "[DONE]")
            var pieces = ""
            for event in events.dropLast() {
                let chunk = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
                #expect(chunk["object"] as? String == "chat.completion.chunk")
                pieces += ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String ?? ""
            }
            #expect(pieces == text)

            let tooLong = try await server.request(
                .POST, "/v1/chat/completions", key: "agent", body: #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5000}"#)
            #expect(tooLong.status == 422)
            #expect(try await server.request(.POST, "/v1/chat/completions", key: "ingest", body: request).status == 403)
        }
    }

    @Test func chatsTakeTurnsAndTheQueueTurnsAwayWhatItCannotHold() async throws {
        _ = try TestData.model("SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct.Q4_1.gguf")
        try await TestServer.with(configure: { $0.chatQueueLimit = 1 }) { server in
            // Load the model first, so that all three requests below meet a generator that is ready.
            #expect(
                try await server.request(
                    .POST, "/v1/chat/completions", key: "agent", body: #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}"#
                ).status == 200)
            let request = #"{"messages": [{"role": "user", "content": "Write a long story about a teapot."}], "max_tokens": 80, "temperature": 0}"#
            let replies = try await withThrowingTaskGroup(of: TestServer.Reply.self) { group in
                for _ in 0..<3 { group.addTask { try await server.request(.POST, "/v1/chat/completions", key: "agent", body: request) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // One generates, one waits its turn, and the third finds the queue (limit 1) full.
            #expect(replies.map(\.status).sorted() == [200, 200, 503], "\(replies.map(\.body))")
            let refused = try #require(replies.first { $0.status == 503 })
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 > 0)
            #expect(refused.body.contains("busy"))
            let answers = try replies.filter { $0.status == 200 }.map { try $0.json()["choices"] as? [[String: Any]] }.map {
                ($0?.first?["message"] as? [String: Any])?["content"] as? String
            }
            #expect(answers.count == 2 && answers[0] != nil && answers[0] == answers[1])
            // The generator was handed back: the next chat runs at once and nobody is left waiting.
            #expect(
                try await server.request(.POST, "/v1/chat/completions", key: "agent", body: request.replacingOccurrences(of: "80", with: "4")).status == 200)
            #expect(try await server.request(.GET, "/metrics", key: "analyst").body.contains("clv_chat_waiting 0.0"))
        }
    }
}
