import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Health checks, Prometheus metrics and the OpenAPI document.
enum OperationsRoutes {
    struct Health: Encodable, Sendable {
        var status: String
        var reason: String?
        var model: ModelKind?
        var model_run_id: Int64?
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(method: .get, path: "/healthz", roles: nil, summary: "Liveness: the process serves requests.", tag: "operations", response: Health.self)
        ) { _, _ in
            try JSON.response(Health(status: "ok"))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/readyz", roles: nil, summary: "Readiness: the database answers and a model is loaded.", tag: "operations",
                responses: [200: "Ready", 503: "Not ready, with the reason"], response: Health.self
            )
        ) { _, _ in
            guard let models = services.scores.models else {
                _ = try await services.store.lastOrderDay()
                return try JSON.response(Health(status: "not ready", reason: services.scores.problem ?? "loading models"), status: .serviceUnavailable)
            }
            // The database answers: a one-row read (the order totals scan every line, seconds at millions of lines).
            _ = try await services.store.latestModelRun(kind: models.purchase.kind)
            return try JSON.response(Health(status: "ready", model: models.purchase.kind, model_run_id: models.purchaseRun.id))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/metrics", roles: .analysts, summary: "Prometheus metrics: requests and latency by route, model-run age, ingest counts.",
                tag: "operations", produces: "text/plain"
            )
        ) { _, _ in
            var gauges: [(String, String, Double)] = []
            if let models = services.scores.models {
                gauges.append(
                    ("clv_model_run_age_seconds", "Seconds since the scoring model was fitted.", Date().timeIntervalSince(models.purchaseRun.createdAt)))
            }
            let counts = services.eventLedger.counts.withLock { $0 }
            gauges.append(("clv_api_events_imported", "Order lines imported through POST /v1/events since start.", Double(counts.imported)))
            gauges.append(("clv_api_events_duplicate", "Order lines posted again (idempotent no-ops) since start.", Double(counts.duplicates)))
            gauges.append(("clv_chat_waiting", "Chat completions waiting for the generator.", Double(await services.generations.waitingCount)))
            let stats = try await services.store.statistics()
            gauges.append(("clv_order_lines", "Order lines stored.", Double(stats.orderLines)))
            gauges.append(("clv_customers", "Customers stored.", Double(stats.customers)))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: services.metrics.render(gauges: gauges)))
            )
        }
    }

    /// `/openapi.json`, built from the registered routes (so it always lists exactly what the router serves).
    static func registerDocument(_ routes: RouteTable) throws {
        let document = try OpenAPIDocument.build(from: routes.specs + [documentSpec])
        routes.add(documentSpec) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    static let documentSpec = RouteSpec(
        method: .get, path: "/openapi.json", roles: .everyone, summary: "This API as an OpenAPI 3.1 document.", tag: "operations"
    )
}
