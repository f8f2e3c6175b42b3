import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Request counts and latency histograms by route, plus service gauges, rendered as Prometheus text.
final class Metrics: Sendable {
    /// Latency bucket upper bounds in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct RequestKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct Histogram {
        var counts = [Int](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var latency: [String: Histogram] = [:]
        var counters: [String: Int] = [:]
    }

    private let state = Mutex(State())

    func observe(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[RequestKey(method: method, route: route, status: status), default: 0] += 1
            var h = s.latency[route] ?? Histogram()
            if let i = Self.buckets.firstIndex(where: { seconds <= $0 }) { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.latency[route] = h
        }
    }

    /// Adds to a named counter, e.g. `clv_events_ingested_total`.
    func increment(_ name: String, by amount: Int = 1) {
        state.withLock { $0.counters[name, default: 0] += amount }
    }

    /// Prometheus exposition format 0.0.4, with the gauges given by the caller.
    func render(gauges: [(name: String, help: String, value: Double)]) -> String {
        let s = state.withLock { $0 }
        var out = "# HELP clv_http_requests_total HTTP requests by method, route and status.\n# TYPE clv_http_requests_total counter\n"
        for (key, count) in s.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "clv_http_requests_total{method=\"\(key.method)\",route=\"\(Self.escape(key.route))\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP clv_http_request_duration_seconds Request latency by route.\n# TYPE clv_http_request_duration_seconds histogram\n"
        for (route, h) in s.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative = 0
            for (i, bound) in Self.buckets.enumerated() {
                cumulative += h.counts[i]
                out += "clv_http_request_duration_seconds_bucket{route=\"\(Self.escape(route))\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "clv_http_request_duration_seconds_bucket{route=\"\(Self.escape(route))\",le=\"+Inf\"} \(h.count)\n"
            out += "clv_http_request_duration_seconds_sum{route=\"\(Self.escape(route))\"} \(h.sum)\n"
            out += "clv_http_request_duration_seconds_count{route=\"\(Self.escape(route))\"} \(h.count)\n"
        }
        for (name, value) in s.counters.sorted(by: { $0.key < $1.key }) {
            out += "# TYPE \(name) counter\n\(name) \(value)\n"
        }
        for gauge in gauges {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(gauge.value)\n"
        }
        return out
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// Records every request's route, status and latency (the route pattern, never the raw path, so ids stay out).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        metrics.observe(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
            status: response.status.code, seconds: seconds
        )
        return response
    }
}
