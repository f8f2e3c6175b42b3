import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

/// JSON of one customer: who they are, their summary, their scores.
struct CustomerView: Encodable, Sendable {
    struct Summary: Encodable, Sendable {
        var frequency: Int
        var recency: Double
        var T: Double
        var monetary_value: Double
        var unit: String
        var as_of: String
    }

    struct RFMView: Encodable, Sendable {
        var recency: Int
        var frequency: Int
        var monetary: Int
        var segment: String
    }

    struct Interval: Encodable, Sendable {
        var level: Double
        var method: String
        var expected_purchases: [Double]
        var clv: [Double]?
    }

    struct Scores: Encodable, Sendable {
        var model: String
        var model_run_id: Int64
        var horizon: Double
        var expected_purchases: Double
        var p_alive: Double
        var churn_risk: Double
        var churn_risk_band: String
        var expected_spend: Double?
        var clv: Double?
        var tier: String
        var rfm: RFMView
        var interval: Interval?
    }

    var customer_id: String
    var country: String?
    var first_seen: String?
    var consent: Consent?
    var summary: Summary
    var scores: Scores
    /// The newest learned run's prediction, when one is saved and has been applied (single-customer reads only).
    var learned: LearnedView?

    init(record: CustomerRecord?, scored: ScoredCustomer, models: ActiveModels, asOf: CalendarDay, horizon: Double, level: Double?) {
        customer_id = scored.row.customer.rawValue
        country = record?.country
        first_seen = record?.firstSeen.description
        consent = record?.consent
        summary = Summary(
            frequency: scored.row.frequency, recency: scored.row.recency, T: scored.row.age,
            monetary_value: scored.row.monetaryValue, unit: models.unit.rawValue, as_of: asOf.description
        )
        let s = scored.score
        scores = Scores(
            model: models.purchase.kind.rawValue, model_run_id: models.purchaseRun.id, horizon: horizon,
            expected_purchases: s.expectedPurchases, p_alive: s.probabilityAlive, churn_risk: 1 - s.probabilityAlive,
            churn_risk_band: scored.churnBand.rawValue, expected_spend: s.expectedSpend, clv: s.clv, tier: scored.tier,
            rfm: RFMView(recency: scored.rfm.recency, frequency: scored.rfm.frequency, monetary: scored.rfm.monetary, segment: scored.segment.rawValue),
            interval: scored.interval.map { i in
                Interval(
                    level: level ?? 0.9, method: "parameter draws from the fit's asymptotic normal covariance",
                    expected_purchases: [i.purchases.lower, i.purchases.upper], clv: i.clv.map { [$0.lower, $0.upper] }
                )
            }
        )
    }
}
