import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import CLVText
import Foundation

/// What `clv profile` gathers before it asks the workflow for a profile: the scored population, the topics and
/// the sentiment model.
struct ProfileBuilder {
    let store: any ServiceStore
    let embedding: EmbeddingOptions
    let sentimentModel: String?
    let topicSource: InsightWorkflow.TopicSource?
    let model: ModelKind
    /// Topics interests are measured against (a fixed number: choosing it by silhouette costs more than a profile).
    var topicCount = 20

    func profile(_ id: CustomerID, asOf: CalendarDay?) async throws -> CustomerProfile {
        let workflow = Workflow(store: store)
        let insight = InsightWorkflow(store: store)
        guard let last = try await store.statistics().lastDay else { throw WorkflowError.noOrders }
        let day = asOf ?? last
        let policy = ScoringPolicy.service(horizonWeeks: 52, clvMonths: 12, monthlyDiscountRate: 0.01, unit: .week)
        var scored: ScoredCustomer?
        var unit = TimeUnit.week
        var horizon = policy.horizon
        // The newest runs, fitted now when missing; without amounts (e.g. reviews as purchases) there is no spend model.
        let window = SummaryWindow(calibrationEnd: day, unit: .week)
        var purchase = try await workflow.latest(model)
        if purchase == nil { purchase = try await workflow.fitAndSave([model], window: window).first }
        var spend = try await workflow.latest(.gg, unit: purchase?.record.unit)
        if spend == nil { spend = try? await workflow.fitAndSave([.gg], window: window).first }
        if let purchase {
            let models = ActiveModels(purchase: purchase, spend: spend, sampling: policy.sampling)
            unit = models.unit
            let unitPolicy = ScoringPolicy.service(horizonWeeks: 52, clvMonths: 12, monthlyDiscountRate: 0.01, unit: unit)
            horizon = unitPolicy.horizon
            let population = try await workflow.population(models, asOf: day, policy: unitPolicy)
            // Scored alone against the population, so the profile carries CLV's 90% interval as well.
            let days = try await store.customerDays(of: id)
            scored = try RealTimeScoring.score(days: days, models: models, asOf: day, policy: unitPolicy, against: population, intervalLevel: 0.9)
        }
        var text = InsightWorkflow.TextModels(embedder: nil, sentiment: nil, topics: nil)
        if try await store.customer(id)?.consent.profiling == true {
            let embedder = try embedding.embedder(cache: store)
            text.embedder = embedder
            // The installed model is optional; a model the user names must load.
            let load = { try SentimentModels.load(sentimentModel, choice: embedding.choice, modelName: embedder.model.modelName) }
            text.sentiment = sentimentModel == nil ? try? load() : try load()
            var source = InsightWorkflow.TopicSource.products
            if let topicSource { source = topicSource } else if try await !insight.profilableInteractions().isEmpty { source = .interactions }
            text.topics = try? await withEmbeddingProgress("embed \(source.rawValue)") { progress in
                let report = try await insight.topics(source: source, k: topicCount, embedder: embedder, progress: progress)
                return (report, report.embedded)
            }
        }
        guard let profile = try await insight.profile(id, scored: scored, unit: unit, horizon: horizon, asOf: day, text: text) else {
            throw UserError("No customer with id \(id.rawValue) in the database.")
        }
        return profile
    }

    static func table(_ p: CustomerProfile) -> String {
        var lines = ["Customer \(p.customer.rawValue) as of \(p.asOf) (profiling consent: \(p.profilingConsent ? "yes" : "no"))"]
        if let b = p.behaviour {
            lines.append(
                String(format: "  purchases: %d repeat, recency %.1f, age %.1f %@s; ", b.frequency, b.recency, b.age, b.unit.rawValue)
                    + "average order \(b.averageOrderValue.map { String(format: "%.2f", $0) } ?? "–"), every \(b.averageDaysBetweenOrders.map { String(format: "%.0f days", $0) } ?? "– (one order)")"
            )
            lines.append(
                String(
                    format: "  next year: %.2f expected purchases, P(alive) %.2f, CLV %@", b.expectedPurchases, b.probabilityAlive,
                    b.clv.map { String(format: "%.2f", $0) } ?? "–")
                    + (b.clvInterval.map { String(format: " (90%%: %.2f to %.2f)", $0[0], $0[1]) } ?? ""))
            lines.append(
                "  tier \(b.tier), churn risk \(b.churnRisk.rawValue), segment \(b.segment), next order expected \(b.expectedNextOrder?.description ?? "not within the horizon")"
            )
        } else {
            lines.append("  no purchase by \(p.asOf): no behavioural scores")
        }
        if !p.interactions.isEmpty {
            lines.append("  texts: " + p.interactions.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        if let interests = p.interests {
            lines.append(
                "  interests: "
                    + interests.map { String(format: "%@ (%.2f)", $0.terms.prefix(3).joined(separator: " "), $0.similarity) }.joined(separator: "; "))
        }
        if let sentiment = p.sentiment, !sentiment.isEmpty {
            lines.append("  sentiment by month: " + sentiment.map { String(format: "%@ %+.2f (%d)", $0.month, $0.meanScore, $0.texts) }.joined(separator: ", "))
            if let trend = p.sentimentTrend { lines.append(String(format: "  sentiment trend (last 3 months with texts vs the 3 before): %+.2f", trend)) }
        }
        if !p.profilingConsent { lines.append("  (no profiling consent: nothing of this customer's words is embedded or profiled)") }
        if let narrative = p.narrative { lines.append("  narrative: " + narrative) }
        return lines.joined(separator: "\n")
    }
}
