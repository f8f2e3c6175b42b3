import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import CLVText
import Foundation
import Hummingbird

/// `POST /v1/interactions` and `GET /v1/customers/{id}/profile`: what customers write, and what it adds up to.
enum InsightRoutes {
    /// One interaction, or a batch of them.
    struct InteractionBatch: Decodable, Sendable {
        var interactions: [InteractionInput]

        init(from decoder: any Decoder) throws {
            if let many = try? [InteractionInput](from: decoder) {
                interactions = many
            } else {
                interactions = [try InteractionInput(from: decoder)]
            }
        }
    }

    struct Stored: Encodable, Sendable {
        var stored: Int
        var duplicates: Int
        /// Texts embedded into the cache now (consenting customers' new texts only).
        var embedded: Int
        var redactions: [String: Int]
        var profiles: [ProfileView]
    }

    static let maximumBatch = 1_000
    /// Customers whose updated profiles a batch returns.
    static let profileLimit = 20

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .post, path: "/v1/interactions", roles: .writers,
                summary:
                    "Record what customers wrote or looked at (one object or an array of up to 1000; all stored or none), redacted before it is stored; returns the updated profiles of its first 20 customers.",
                tag: "interactions", requestBody: InteractionBatch.self,
                responses: [
                    201: "Stored", 200: "Already stored (every interaction a duplicate)", 400: "Not JSON", 413: "Body too large", 422: "Invalid interaction",
                ],
                response: Stored.self
            )
        ) { request, context in
            let batch = try await JSON.decode(InteractionBatch.self, from: request, context: context)
            guard (1...maximumBatch).contains(batch.interactions.count) else {
                throw APIError.unprocessable("Send 1 to \(maximumBatch) interactions per request.")
            }
            let redactor = Redactor()
            var interactions: [Interaction] = []
            var redactions: [String: Int] = [:]
            for (i, input) in batch.interactions.enumerated() {
                switch input.validated(redactor: redactor, now: Date()) {
                case let .success((interaction, redaction)):
                    interactions.append(interaction)
                    for (kind, n) in redaction.counts { redactions[kind.rawValue, default: 0] += n }
                case let .failure(problem):
                    throw APIError.unprocessable("interactions[\(i)]: \(problem.description).")
                }
            }
            let customers = Array(Set(interactions.map(\.customer))).sorted { $0.rawValue < $1.rawValue }
            var audit: [AuditEvent] = []
            for id in customers {
                audit.append(AuditEvent(actor: context.actor, action: "post interaction", customerHash: try await services.store.auditHash(of: id)))
            }
            let outcome = try await services.store.write(interactions, importID: nil, counts: nil, audit: audit)
            services.metrics.increment("clv_interactions_ingested_total", by: outcome.inserted)
            // Real time, as order events re-score: the consenting customers' new texts are embedded now, so their
            // profiles read them at once.
            var profiling: Set<CustomerID> = []
            for id in customers where try await services.store.customer(id)?.consent.profiling == true { profiling.insert(id) }
            let profilable = interactions.filter { !$0.text.isEmpty && profiling.contains($0.customer) }.map(\.text)
            var embedded = 0
            if !profilable.isEmpty, let embedder = try? await services.language.cachedEmbedder(cache: services.store) {
                embedded = try await embedder.embed(profilable).misses
            }
            var profiles: [ProfileView] = []
            for (i, id) in customers.enumerated() {
                // The profiles of a large batch's first customers only: a batch import wants the counts, not 1,000 profiles.
                if i < profileLimit, let profile = try await profile(id, services: services) { profiles.append(ProfileView(profile)) }
            }
            let stored = Stored(stored: outcome.inserted, duplicates: outcome.duplicates, embedded: embedded, redactions: redactions, profiles: profiles)
            return try JSON.response(stored, status: outcome.inserted == 0 ? .ok : .created)
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers/{id}/profile", roles: .readers,
                summary:
                    "One customer's profile: behaviour and predictions; with profiling consent, interaction counts, interests (nearest product or text topics) and sentiment by month.",
                tag: "customers", responses: [200: "The profile", 404: "No such customer"], response: ProfileView.self
            )
        ) { _, context in
            let id = CustomerID(try context.id())
            guard let profile = try await profile(id, services: services) else { throw APIError.notFound("No customer with that id.") }
            services.audit.record(AuditEvent(actor: context.actor, action: "read customer profile", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(ProfileView(profile))
        }
    }

    /// The customer's profile, scored now; its text parts only with consent and the models at hand (topics are
    /// computed once in the background, so the first profiles may lack interests).
    static func profile(_ id: CustomerID, services: Services) async throws -> CustomerProfile? {
        guard let (record, days) = try await services.store.customerWithDays(id) else { return nil }
        let models = services.scores.models
        let asOf = services.scores.asOf ?? days.last?.day ?? record.firstSeen
        let scored = days.isEmpty ? nil : try await services.scores.score(id, days: days, level: 0.9)
        let unit = models?.unit ?? .week
        var text = InsightWorkflow.TextModels(embedder: nil, sentiment: nil, topics: nil)
        if record.consent.profiling, let embedder = try? await services.language.cachedEmbedder(cache: services.store) {
            text.embedder = embedder
            text.sentiment = await services.language.sentimentClassifier(for: embedder.model.modelName)
            text.topics = await services.language.topics(store: services.store, embedder: embedder)
        }
        return try await InsightWorkflow(store: services.store).profile(
            id, scored: scored, unit: unit, horizon: services.scores.policy(for: unit).horizon, asOf: asOf, text: text)
    }
}

/// A profile as the API shows it.
struct ProfileView: Encodable, Sendable {
    struct Behaviour: Encodable, Sendable {
        var frequency: Int
        var recency: Double
        var T: Double
        var unit: String
        var expected_purchases: Double
        var horizon_days: Double
        var p_alive: Double
        var clv: Double?
        var clv_interval: [Double]?
        var tier: String
        var churn_risk_band: String
        var rfm_segment: String
        var expected_next_order: String?
        var average_days_between_orders: Double?
        var average_order_value: Double?
    }

    struct Interest: Encodable, Sendable {
        var topic: Int
        var terms: [String]
        var similarity: Double
    }

    struct Month: Encodable, Sendable {
        var month: String
        var mean_score: Double
        var texts: Int
    }

    var customer_id: String
    var as_of: String
    var profiling_consent: Bool
    var behaviour: Behaviour?
    var interactions: [String: Int]
    var interests: [Interest]?
    var sentiment: [Month]?
    var sentiment_trend: Double?

    init(_ p: CustomerProfile) {
        customer_id = p.customer.rawValue
        as_of = p.asOf.description
        profiling_consent = p.profilingConsent
        behaviour = p.behaviour.map { b in
            Behaviour(
                frequency: b.frequency, recency: b.recency, T: b.age, unit: b.unit.rawValue, expected_purchases: b.expectedPurchases,
                horizon_days: b.horizonDays,
                p_alive: b.probabilityAlive, clv: b.clv, clv_interval: b.clvInterval, tier: b.tier, churn_risk_band: b.churnRisk.rawValue,
                rfm_segment: b.segment, expected_next_order: b.expectedNextOrder?.description, average_days_between_orders: b.averageDaysBetweenOrders,
                average_order_value: b.averageOrderValue)
        }
        interactions = p.interactions
        interests = p.interests?.map { Interest(topic: $0.topic, terms: $0.terms, similarity: $0.similarity) }
        sentiment = p.sentiment?.map { Month(month: $0.month, mean_score: $0.meanScore, texts: $0.texts) }
        sentiment_trend = p.sentimentTrend
    }
}
