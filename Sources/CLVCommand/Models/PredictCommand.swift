import ArgumentParser
import CLVCore
import CLVData
import CLVModels
import CLVNumerics
import CLVPipeline
import Foundation

/// One row of `clv predict` (contract: column names).
struct PredictionRow: Encodable {
    var customer_id: String
    var frequency: Int
    var recency: Double
    var T: Double
    var expected_purchases: Double
    var p_alive: Double
    var expected_spend: Double?
    var clv: Double?
    var expected_purchases_lower: Double?
    var expected_purchases_upper: Double?
    var clv_lower: Double?
    var clv_upper: Double?
}

/// `--model` of `clv predict`: a purchase model, or the newest learned run.
enum PredictModel: ExpressibleByArgument, Equatable {
    case purchase(ModelKind)
    case learned

    init?(argument: String) {
        if argument == ModelKind.learned.rawValue {
            self = .learned
        } else if let kind = ModelKind(argument: argument) {
            self = .purchase(kind)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ModelKind.allValueStrings + [ModelKind.learned.rawValue] }
}

extension CLV {
    /// `clv predict`: per-customer expected purchases, P(alive), expected spend and CLV.
    struct Predict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict purchases, P(alive), spend and CLV per customer.",
            discussion: """
                CLV is lifetimes' monthly discounted cash flow over the horizon (rounded to whole months), with
                expected spend from the Gamma-Gamma model (--spend-model gg, needs monetary_value).
                --interval L adds _lower/_upper columns: quantiles over parameter draws from the fit's asymptotic
                normal distribution (parameter uncertainty of the expectation, not the count's Poisson noise).
                --model learned scores with the newest `clv learn fit` run instead (as `clv learn predict`): P(buys
                again), the expected value of the run's label over the period it learned, after --end (default:
                the last order day), and its 90% interval.
                --shard i/n scores the i-th of n disjoint parts of the customers (by a hash of the customer id that
                is the same on every machine), so that n processes together score everyone once; --save writes
                the scores to the database under the saved purchase-model run (customer_score), which shards may
                do at the same time.
                """)

        @Option(help: "Purchase model: bgnbd, pnbd, mbgnbd or bgbb; or learned (the newest `clv learn fit` run).")
        var model: PredictModel

        @Option(help: "Spend model for expected spend and CLV (gg).")
        var spendModel: ModelKind?

        @Option(help: "Prediction horizon in the time unit (--unit); a learned model predicts the period it learned.")
        var horizon: Double?

        @Option(help: "Monthly discount rate for CLV (0.01 = 1% a month).")
        var discountRate: Double = 0.01

        @Option(help: "Central coverage of prediction intervals, e.g. 0.9.")
        var interval: Double?

        @Option(help: "Parameter draws for --interval.")
        var draws: Int = 200

        @Option(help: "Random seed for --interval.")
        var seed: UInt64 = 42

        @Option(help: "L2 penalizer when the model is fitted here.")
        var penalizer: Double = 0

        @Option(help: ArgumentHelp("Score only the i-th of n parts of the customers, e.g. 2/3 (by a hash of the customer id).", valueName: "i/n"))
        var shard: String?

        @Flag(help: "Write the scores to the database under the saved purchase-model run (fit it first with clv fit).")
        var save = false

        @OptionGroup var data: DataOptions
        @OptionGroup var embedding: EmbeddingOptions

        @Option(help: "Output format: csv or json.")
        var format: OutputFormat = .csv

        func validate() throws {
            guard format != .table else { throw ValidationError("clv predict prints --format csv or json.") }
            if let shard {
                do { _ = try CustomerShard(parsing: shard) } catch { throw ValidationError("--shard: \(error).") }
            }
            if save, !data.usesDatabase { throw ValidationError("--save writes the scores to the database: give --db instead of --summary.") }
            guard case let .purchase(kind) = model else {
                if shard != nil || save { throw ValidationError("--shard and --save are for purchase models; a learned model scores with clv learn predict.") }
                if horizon != nil { throw ValidationError("A learned model predicts the period it learned: omit --horizon.") }
                if spendModel != nil || interval != nil {
                    throw ValidationError("--spend-model and --interval are for purchase models; a learned model has its own 90% interval.")
                }
                if !data.usesDatabase { throw ValidationError("--model learned reads the database (its features need the order history): omit --summary.") }
                return
            }
            guard kind != .gg else { throw ValidationError("--model must be a purchase model (bgnbd, pnbd, mbgnbd, bgbb); use --spend-model gg for spend.") }
            if let spendModel, spendModel != .gg { throw ValidationError("--spend-model must be gg.") }
            guard let horizon else { throw ValidationError("Give --horizon, the prediction horizon in time units (--unit).") }
            guard horizon > 0, horizon.isFinite else { throw ValidationError("--horizon must be a positive number of time units.") }
            guard discountRate > -1, discountRate.isFinite else { throw ValidationError("--discount-rate must be a number above -1.") }
            if let interval, !(interval > 0 && interval < 1) { throw ValidationError("--interval must be between 0 and 1, e.g. 0.9.") }
            guard draws >= 10 else { throw ValidationError("--draws must be at least 10.") }
        }

        func run() async throws {
            guard case let .purchase(purchaseKind) = self.model, let horizon else {
                let store = try await data.database.openExisting()
                return emit(try await LearnPredict.predictions(store: store, asOf: data.end, embedding: embedding).render(format))
            }
            let everyone = try await data.source().load()
            // With the database, use the latest saved run of each model (same time unit) and fit only when there is none.
            let workflow = data.usesDatabase ? Workflow(store: try await data.database.openExisting()) : nil
            func model(_ kind: ModelKind) async throws -> FittedModel {
                if let saved = try await workflow?.latest(kind, unit: data.unit) { return saved.fitted }
                return try Workflow.fit(kind, everyone, options: EstimatorOptions(penalizer: penalizer), unit: data.unit, calibrationEnd: data.end)
            }
            if shard != nil, everyone.ids.count != everyone.count {
                throw UserError("--shard splits the customers by id: give the summary file a customer_id column.")
            }
            // A shard is scored with the model of everyone (the saved run, or a fit on every customer: the same in each process).
            let table = try shard.map { everyone.customers(in: try CustomerShard(parsing: $0)) } ?? everyone
            var savedRun: Int64?
            if save {
                guard let run = try await workflow?.latest(purchaseKind, unit: data.unit) else {
                    throw UserError(
                        "--save stores scores under a saved run and there is no \(purchaseKind.rawValue) run in \(data.unit.rawValue)s: run `clv fit --model \(purchaseKind.rawValue) --end \(data.end.map(\.description) ?? "YYYY-MM-DD") --unit \(data.unit.rawValue)` on this database first."
                    )
                }
                savedRun = run.record.id
            }
            guard let fitted = try await model(purchaseKind).purchase else { throw WorkflowError.wrongKind(purchaseKind, expected: "a purchase model") }
            var spend: GammaGamma?
            if spendModel == .gg {
                guard table.monetary != nil else { throw UserError("--spend-model gg needs a monetary_value column.") }
                spend = try await model(.gg).spend
            }
            let policy = ScoringPolicy(horizon: horizon, cashFlow: DiscountedCashFlow(horizon: horizon, monthlyDiscountRate: discountRate, timeUnit: data.unit))
            var drawn: (level: Double, draws: [AnyPurchaseModel])?
            if let interval {
                var rng = SplitMix64(seed: seed)
                let models = fitted.sampleModels(ParameterSampling(draws: draws, level: interval), using: &rng)
                guard !models.isEmpty else {
                    throw UserError("The fit has no usable covariance (Hessian not positive definite), so no intervals: try --penalizer 0.001.")
                }
                drawn = (interval, models)
            }
            let (scores, intervals) = Workflow.predict(table, purchase: fitted, spend: spend, policy: policy, interval: drawn)
            if let savedRun, let workflow { try await workflow.saveScores(table, scores, run: savedRun, horizon: horizon) }
            switch format {
            case .json:
                let rows = table.summaries.indices.map { i in
                    PredictionRow(
                        customer_id: table.ids[i].rawValue, frequency: table.summaries[i].frequency, recency: table.summaries[i].recency,
                        T: table.summaries[i].age, expected_purchases: scores[i].expectedPurchases, p_alive: scores[i].probabilityAlive,
                        expected_spend: scores[i].expectedSpend, clv: scores[i].clv,
                        expected_purchases_lower: intervals?[i]?.purchases.lower, expected_purchases_upper: intervals?[i]?.purchases.upper,
                        clv_lower: intervals?[i]?.clv?.lower, clv_upper: intervals?[i]?.clv?.upper)
                }
                emit(try jsonText(rows))
            case .csv, .table:
                for part in csv(table, scores, intervals) { FileHandle.standardOutput.write(Data(part)) }
            }
        }

        /// The CSV as parts of bytes, the header first, rows formatted in chunks on all cores (numbers as `%.10g` for
        /// times and `%.8g` for predictions, by ``GeneralNumberFormat``: the text `String(format:)` gives, twenty times
        /// faster). Written part by part, never joined: a million rows would hold the text two more times.
        func csv(_ table: CustomerTable, _ scores: [CustomerScore], _ intervals: [PredictionInterval?]?) -> [[UInt8]] {
            var header = ["customer_id", "frequency", "recency", "T", "expected_purchases", "p_alive", "expected_spend", "clv"]
            if interval != nil { header += ["expected_purchases_lower", "expected_purchases_upper", "clv_lower", "clv_upper"] }
            let n = table.count, chunkRows = 32_768
            let chunks = (n + chunkRows - 1) / chunkRows
            var parts = [[UInt8]](repeating: [], count: chunks)
            let withIntervals = interval != nil
            parts.withUnsafeMutableBufferPointer { parts in
                ParallelFor.allCores.run(count: chunks) { c in
                    var out: [UInt8] = []
                    out.reserveCapacity(chunkRows * 96)
                    func number(_ v: Double?, _ digits: Int) {
                        out.append(UInt8(ascii: ","))
                        if let v, !v.isNaN { GeneralNumberFormat.append(v, significantDigits: digits, to: &out) }
                    }
                    for i in (c * chunkRows)..<min(n, (c + 1) * chunkRows) {
                        let h = table.summaries[i], score = scores[i]
                        out.append(contentsOf: (i < table.ids.count ? table.ids[i].rawValue : String(i + 1)).utf8)
                        out.append(UInt8(ascii: ","))
                        out.append(contentsOf: String(h.frequency).utf8)
                        number(h.recency, 10)
                        number(h.age, 10)
                        number(score.expectedPurchases, 8)
                        number(score.probabilityAlive, 8)
                        number(score.expectedSpend, 8)
                        number(score.clv, 8)
                        if withIntervals {
                            let band = intervals?[i]
                            for v in [band?.purchases.lower, band?.purchases.upper, band?.clv?.lower, band?.clv?.upper] { number(v, 8) }
                        }
                        out.append(UInt8(ascii: "\n"))
                    }
                    parts[c] = out
                }
            }
            return [Array((header.joined(separator: ",") + "\n").utf8)] + parts
        }
    }
}
