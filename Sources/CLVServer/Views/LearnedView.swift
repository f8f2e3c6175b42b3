import CLVCore
import CLVLearn
import CLVPipeline
import Foundation

/// A customer's learned CLV as the API shows it beside the probabilistic scores.
///
/// It predicts the label of the run (spend, or purchase days) over a period as long as the one the model learned,
/// which `through` ends: not the probabilistic scores' horizon.
struct LearnedView: Encodable, Sendable {
    var model: String
    var model_run_id: Int64
    var feature_set: String
    var label: String
    var as_of: String
    var through: String
    var expected_value: Double?
    var p_buys_again: Double?
    var interval_90: [Double?]

    init(_ prediction: LearnWorkflow.Prediction, scoring: LearnWorkflow.Scoring) {
        model = scoring.run.model.kind.rawValue
        model_run_id = scoring.runID
        feature_set = scoring.run.featureSet
        label = scoring.run.label.rawValue
        as_of = scoring.asOf.description
        through = scoring.through.description
        expected_value = prediction.expectedValue.finiteValue
        p_buys_again = prediction.probabilityBuysAgain.finiteValue
        interval_90 = [prediction.lower90.finiteValue, prediction.upper90.finiteValue]
    }
}

extension LearnedView: APISchema {
    static let schema = Schema.object(
        [
            "model": Schema.oneOf(LearnedModelKind.self), "model_run_id": Schema.integer, "feature_set": Schema.string,
            "label": Schema.oneOf(LearnWorkflow.Label.self), "as_of": Schema.date, "through": Schema.date, "expected_value": Schema.number,
            "p_buys_again": Schema.number, "interval_90": Schema.array(Schema.nullable(Schema.number)),
        ], required: ["model", "model_run_id", "feature_set", "label", "as_of", "through", "interval_90"])
}

/// `GET /v1/customers/{id}/explanation`: the learned prediction feature by feature, and BG/NBD's in words.
struct ExplanationView: Encodable, Sendable {
    struct Contribution: Encodable, Sendable {
        var feature: String
        var group: String
        var value: Double?
        var contribution: Double?
    }

    struct Output: Encodable, Sendable {
        var output: String
        var method: String
        var baseline: Double?
        var value: Double?
        /// value − baseline − Σ contributions (0 up to rounding for exact methods).
        var completeness_gap: Double?
        var groups: [String: Double?]
        /// Largest first.
        var contributions: [Contribution]
    }

    struct Driver: Encodable, Sendable {
        var factor: String
        var text: String
    }

    var customer_id: String
    var learned: LearnedView
    var outputs: [Output]
    var probabilistic_drivers: [Driver]

    init(_ e: LearnWorkflow.CustomerExplanation, prediction: LearnWorkflow.Prediction, scoring: LearnWorkflow.Scoring) {
        customer_id = e.customer.rawValue
        learned = LearnedView(prediction, scoring: scoring)
        let features = e.explanation.featureSet.features
        outputs = e.explanation.attributions.map { a in
            Output(
                output: a.output.rawValue, method: a.method.rawValue, baseline: a.baseline.finiteValue, value: a.value.finiteValue,
                completeness_gap: a.completenessGap.finiteValue,
                groups: Dictionary(uniqueKeysWithValues: a.groupTotals(e.explanation.featureSet).map { ($0.group.rawValue, $0.contribution.finiteValue) }),
                contributions: a.contributions.indices.sorted { abs(a.contributions[$0]) > abs(a.contributions[$1]) }.map { j in
                    Contribution(
                        feature: features[j].name, group: features[j].group.rawValue, value: e.explanation.features[j].finiteValue,
                        contribution: a.contributions[j].finiteValue)
                })
        }
        probabilistic_drivers = e.probabilisticDrivers.map { Driver(factor: $0.factor, text: $0.text) }
    }
}

extension ExplanationView: APISchema {
    static let schema = Schema.object(
        [
            "customer_id": Schema.string, "learned": LearnedView.reference,
            "outputs": Schema.array(
                Schema.object(
                    [
                        "output": Schema.oneOf(ExplainedOutput.self), "method": Schema.oneOf(AttributionMethod.self),
                        "baseline": Schema.number, "value": Schema.number, "completeness_gap": Schema.number,
                        "groups": Schema.map(Schema.nullable(Schema.number)),
                        "contributions": Schema.array(
                            Schema.object(
                                [
                                    "feature": Schema.string, "group": Schema.oneOf(FeatureGroup.self), "value": Schema.number,
                                    "contribution": Schema.number,
                                ], required: ["feature", "group"])),
                    ], required: ["output", "method", "groups", "contributions"])),
            "probabilistic_drivers": Schema.array(Schema.object(["factor": Schema.string, "text": Schema.string], required: ["factor", "text"])),
        ], required: ["customer_id", "learned", "outputs", "probabilistic_drivers"])
}
