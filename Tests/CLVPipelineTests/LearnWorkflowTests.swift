import CLVCore
import CLVData
import CLVInsight
import CLVLearn
import CLVModels
import CLVPipeline
import CLVSQLite
import CLVTestSupport
import Foundation
import Testing

/// Learned CLV over a real store holding the CDNOW sample (2,357 customers; calibration to 1997-09-30, label the
/// spend to 1998-06-30, as in Fader, Hardie & Lee's split).
@Suite struct LearnWorkflowTests {
    static let end = CalendarDay(iso: "1997-09-30")!
    static let holdoutEnd = CalendarDay(iso: "1998-06-30")!

    @Test func featuresStopAtTheCutoffAndLabelsAreTheSpendAfterIt() async throws {
        let store = try await WorkflowTests.cdnowStore()
        let dataset = try await LearnWorkflow(store: store).dataset(end: Self.end, holdoutEnd: Self.holdoutEnd)
        #expect(dataset.table.count == 2357)
        #expect(dataset.table.featureSet.identifier == "clv-learn@1")
        #expect(dataset.table.featureSet.groups == [.summary, .modelOutputs, .behaviour])
        // The label is the net spend after the cutoff: the holdout days' amounts, summed.
        let days = try await store.allCustomerDays()
        let first = dataset.table.customers[0]
        let expected = days.filter { $0.customer == first && $0.day > Self.end && $0.day <= Self.holdoutEnd }.reduce(0) {
            $0 + $1.purchaseAmount + $1.returnAmount
        }
        #expect(dataset.table.labels![0].isApproximatelyEqual(to: max(expected, 0), absoluteTolerance: 1e-9))
        // A later holdout end changes labels, never features.
        let longer = try await LearnWorkflow(store: store).dataset(end: Self.end, holdoutEnd: CalendarDay(iso: "1998-12-31")!)
        let modelFree = dataset.table.featureSet.indices(in: [.summary, .behaviour])
        for i in stride(from: 0, to: dataset.table.count, by: 97) {
            for j in modelFree { #expect(dataset.table.features[i, j] == longer.table.features[i, j]) }
        }
    }

    @Test func evaluationComparesEveryModelOnTheSameHeldOutCustomers() async throws {
        let store = try await WorkflowTests.cdnowStore()
        let workflow = LearnWorkflow(store: store)
        let dataset = try await workflow.dataset(end: Self.end, holdoutEnd: Self.holdoutEnd)
        let evaluation = try workflow.evaluate(dataset, kinds: [.zilnLinear, .gbt])
        #expect(evaluation.rows.map(\.model) == ["first-purchase-value", "bgnbd+gg", "pnbd+gg", "ziln-linear", "gbt"])
        #expect(evaluation.testCustomers == 707)
        for row in evaluation.rows {
            let metrics = try #require(row.metrics)
            #expect(metrics.deciles.count == 10)
            // Every model ranks next-period spend better than chance on CDNOW.
            #expect(metrics.normalizedGini > 0.2, "\(row.model): \(metrics.normalizedGini)")
        }
    }

    @Test func aSavedLearnedRunExplainsACustomer() async throws {
        let store = try await WorkflowTests.cdnowStore()
        let workflow = LearnWorkflow(store: store)
        let dataset = try await workflow.dataset(end: Self.end, holdoutEnd: Self.holdoutEnd)
        let (id, run) = try await workflow.fitAndSave(.zilnLinear, dataset: dataset, groups: [.summary, .modelOutputs, .behaviour], seed: 3)
        #expect(try await workflow.latestRun()?.id == id)
        #expect(run.featureSet == "clv-learn[summary+model-outputs+behaviour]@1")
        let customer = dataset.table.customers[10]
        let e = try #require(try await workflow.explain(customer, text: nil))
        #expect(e.modelRunID == id)
        for a in e.explanation.attributions where a.method == .linearShapley { #expect(abs(a.completenessGap) < 1e-9) }
        #expect(e.probabilisticDrivers.map(\.factor) == ["recency", "frequency", "spend"])
        // The probabilistic runs are not disturbed: a learned run is not a probabilistic one.
        #expect(try await Workflow(store: store).latest(.bgnbd) == nil)
        await #expect(throws: WorkflowError.self) { _ = try await Workflow(store: store).modelRun(id: id) }
    }
}
