import CLVCore
import CLVTestSupport
import Foundation
import GRDB
import NIOHTTP1
import Testing

/// Seeded random requests (broken JSON, wrong types, huge numbers, invalid UTF-8, hostile ids) never crash the
/// server, never answer 500, and leave the database intact.
@Suite(.serialized) struct FuzzTests {
    static let hostileIDs = [
        "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2f", "%00", "%FF%FE", "a%0Ab", "%E2%80%AE", "'%20OR%201=1--",
        String(repeating: "x", count: 300), "%F0%9F%98%80", "CON", "%25", "1;DROP%20TABLE%20customer",
    ]

    static let bodies: [String] = [
        "", "{", "[]", "null", "true", "\"text\"", "{}", #"{"order_id": null}"#, #"{"order_id": [], "customer_id": {}}"#,
        #"{"order_id": "f", "customer_id": "f", "timestamp": "2024-01-01", "amount": 1e309}"#,
        #"{"order_id": "f", "customer_id": "f", "timestamp": "2024-01-01", "amount": -1e308}"#,
        #"{"order_id": "f", "customer_id": "f", "timestamp": "2024-01-01", "lines": [{"quantity": 1e308, "unit_price": 1e308}]}"#,
        #"{"order_id": "f", "customer_id": "f", "timestamp": "99999-01-01", "amount": 1}"#,
        #"{"order_id": "f\u0000", "customer_id": "\ud800", "timestamp": "2024-01-01", "amount": 1}"#,
        #"{"input": 12}"#, #"{"messages": "hi"}"#, #"{"model": 7}"#, #"{"marketing": "yes"}"#,
        String(repeating: "[", count: 5_000),
    ]

    @Test func randomRequestsNeverCrashOrCorrupt() async throws {
        try await TestServer.with { server in
            var rng = SplitMix64(seed: 20_261_129)
            let routes: [(HTTPMethod, String)] = [
                (.GET, "/v1/customers/{id}"), (.DELETE, "/v1/customers/{id}"), (.PUT, "/v1/customers/{id}/consent"),
                (.POST, "/v1/events"), (.POST, "/v1/fit-jobs"), (.GET, "/v1/model-runs/{id}"), (.GET, "/v1/fit-jobs/{id}"),
                (.POST, "/v1/embeddings"), (.GET, "/v1/audiences?min_p_alive={id}"), (.GET, "/v1/customers?limit={id}"),
            ]
            var statuses: [Int: Int] = [:]
            for _ in 0..<300 {
                let (method, template) = routes[Int.random(in: 0..<routes.count, using: &rng)]
                let id = Self.hostileIDs[Int.random(in: 0..<Self.hostileIDs.count, using: &rng)]
                let path = template.replacingOccurrences(of: "{id}", with: id)
                var bytes: [UInt8]? = nil
                if method != .GET, method != .DELETE {
                    var body = Array(Self.bodies[Int.random(in: 0..<Self.bodies.count, using: &rng)].utf8)
                    // Flip a few bytes, sometimes into invalid UTF-8.
                    for _ in 0..<Int.random(in: 0...3, using: &rng) where !body.isEmpty {
                        body[Int.random(in: 0..<body.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                    bytes = body
                }
                let reply = try await server.request(method, path, bytes: bytes)
                statuses[reply.status, default: 0] += 1
                #expect(reply.status < 500 || reply.status == 503, "\(method) \(path) -> \(reply.status): \(reply.body.prefix(300))")
            }
            #expect(statuses.keys.contains { (400..<500).contains($0) })
            #expect(try await server.request(.GET, "/healthz", key: nil).status == 200)
            #expect(try await server.request(.GET, "/v1/customers/1").status == 200)
            let integrity = try server.query { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            #expect(integrity == "ok")
        }
    }
}
