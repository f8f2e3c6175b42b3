import CLVCore
import CLVModels
import CLVTestSupport
import RealModule
import Testing

@Suite struct SegmentationTests {
    @Test func standardTiersTakeTheirShares() {
        var rng = SplitMix64(seed: 11)
        let values = (0..<1000).map { _ in Double.random(in: 0..<100, using: &rng) }
        let tiers = ValueTiers.standard.assign(values)
        #expect(tiers.filter { $0 == "platinum" }.count == 100)
        #expect(tiers.filter { $0 == "gold" }.count == 200)
        #expect(tiers.filter { $0 == "silver" }.count == 300)
        #expect(tiers.filter { $0 == "bronze" }.count == 400)
        // Every platinum customer is worth at least every gold one.
        let minPlatinum = zip(values, tiers).filter { $0.1 == "platinum" }.map(\.0).min()!
        let maxGold = zip(values, tiers).filter { $0.1 == "gold" }.map(\.0).max()!
        #expect(minPlatinum >= maxGold)
    }

    @Test func quintilesSplitEvenlyAndTiesShareAScore() {
        let scores = RFM.quintiles((1...100).map(Double.init))
        for s in 1...5 { #expect(scores.filter { $0 == s }.count == 20) }
        #expect(scores.first == 1 && scores.last == 5)
        let tied = RFM.quintiles([0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
        #expect(Set(tied.prefix(6)).count == 1)
    }

    @Test func everyCellHasOneSegmentAndEverySegmentIsReachable() {
        var seen = Set<RFMSegment>()
        for r in 1...5 { for fm in 1...5 { seen.insert(RFMSegment(recency: r, frequencyMonetary: fm)) } }
        #expect(seen == Set(RFMSegment.allCases))
        #expect(RFMSegment(recency: 5, frequencyMonetary: 5) == .champions)
        #expect(RFMSegment(recency: 1, frequencyMonetary: 1) == .lost)
        #expect(RFMSegment(recency: 1, frequencyMonetary: 5) == .cantLoseThem)
    }

    @Test func churnBands() {
        #expect(ChurnRisk.band(probabilityAlive: 0.95) == .low)
        #expect(ChurnRisk.band(probabilityAlive: 0.5) == .medium)
        #expect(ChurnRisk.band(probabilityAlive: 0.1) == .high)
    }

    @Test func segmentSummariesAddUp() throws {
        let s = try Fixtures.cdnowSummaries()
        let model = try BGNBD.Estimator().fit(s)
        let scores = scoreCustomers(model: model, customers: s, horizon: 52)
        let value = scores.map(\.expectedPurchases)
        let tiers = ValueTiers.standard
        let rows = SegmentSummary.summarise(
            labels: tiers.assign(value), clv: value, probabilityAlive: scores.map(\.probabilityAlive), order: tiers.tiers.map(\.name))
        #expect(rows.map(\.customers).reduce(0, +) == s.count)
        #expect(rows.map(\.shareOfCLV).reduce(0, +).isApproximatelyEqual(to: 1, relativeTolerance: 1e-12))
        #expect(rows[0].shareOfCLV > rows[0].shareOfCustomers)
    }
}
