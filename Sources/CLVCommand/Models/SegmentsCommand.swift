import ArgumentParser
import CLVCore
import CLVModels
import Foundation

extension CLV {
    /// `clv segments`: CLV tiers or named RFM segments with size, shares and mean P(alive).
    struct Segments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List RFM segments or CLV tiers: size, share of customers, share of predicted CLV, mean P(alive).",
            discussion: """
                Tiers rank customers by predicted CLV (platinum 10%, gold 20%, silver 30%, bronze the rest; change
                with --tiers platinum=0.05,gold=0.15,...). Without monetary values, predicted purchases stand in
                for CLV.
                """)

        enum Method: String, ExpressibleByArgument, CaseIterable { case rfm, tier }

        @Option(help: "Segmentation: rfm or tier.")
        var method: Method

        @Option(help: "Purchase model for P(alive) and CLV.")
        var model: ModelKind = .bgnbd

        @Option(help: "CLV horizon in --unit.")
        var horizon: Double = 52

        @Option(help: "Monthly discount rate for CLV.")
        var discountRate: Double = 0.01

        @Option(help: "Tier shares from the top, e.g. platinum=0.1,gold=0.2,silver=0.3,bronze=0.4.")
        var tiers: String?

        @OptionGroup var data: DataOptions

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard model != .gg else { throw ValidationError("--model must be a purchase model.") }
            guard format != .csv else { throw ValidationError("clv segments prints --format table or json.") }
            _ = try tierDefinition()
        }

        func tierDefinition() throws -> ValueTiers {
            guard let tiers else { return .standard }
            let parts = try tiers.split(separator: ",").map { part -> ValueTiers.Tier in
                let kv = part.split(separator: "=")
                guard kv.count == 2, let share = Double(kv[1]), share >= 0 else {
                    throw ValidationError("--tiers takes name=share pairs, e.g. platinum=0.1,gold=0.2,silver=0.3,bronze=0.4.")
                }
                return .init(name: String(kv[0]), share: share)
            }
            guard !parts.isEmpty else { throw ValidationError("--tiers needs at least one name=share pair.") }
            return ValueTiers(tiers: parts)
        }

        func run() async throws {
            let table = try await data.source().load()
            let fitted = try AnyPurchaseModel.fit(model, customers: table.summaries, weights: table.weights)
            var spend: (model: GammaGamma, meanSpend: [Double])?
            if let monetary = table.monetary {
                let gg = try GammaGamma.Estimator().fit(frequency: table.summaries.map(\.frequency), meanSpend: monetary, weights: table.weights)
                spend = (gg, monetary)
            }
            let dcf = DiscountedCashFlow(horizon: horizon, monthlyDiscountRate: discountRate, timeUnit: data.unit)
            let scores = fitted.score(table.summaries, horizon: horizon, spend: spend, cashFlow: dcf)
            let value = scores.map { $0.clv ?? $0.expectedPurchases }
            let alive = scores.map(\.probabilityAlive)
            let summaries: [SegmentSummary]
            switch method {
            case .tier:
                let definition = try tierDefinition()
                summaries = SegmentSummary.summarise(labels: definition.assign(value), clv: value, probabilityAlive: alive, order: definition.tiers.map(\.name))
            case .rfm:
                let rfm = RFM.scores(
                    timeSinceLastPurchase: table.summaries.map { $0.age - $0.recency },
                    frequency: table.summaries.map { Double($0.frequency) }, monetary: table.monetary)
                let labels = rfm.map { RFMSegment(recency: $0.recency, frequencyMonetary: $0.frequencyMonetary).rawValue }
                summaries = SegmentSummary.summarise(labels: labels, clv: value, probabilityAlive: alive, order: RFMSegment.allCases.map(\.rawValue))
            }
            switch format {
            case .json: emit(try jsonText(summaries))
            case .table, .csv:
                var lines = ["segment             customers  share    CLV share  mean P(alive)"]
                for s in summaries {
                    lines.append(s.segment.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + [String(s.customers), formatted(100 * s.shareOfCustomers, 3) + "%", formatted(100 * s.shareOfCLV, 3) + "%",
                           formatted(s.meanProbabilityAlive, 3)].map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
                }
                emit(lines.joined(separator: "\n"))
            }
        }
    }
}
