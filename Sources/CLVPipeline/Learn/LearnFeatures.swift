import CLVCore
import CLVData
import CLVInsight
import CLVLearn
import CLVModels
import CLVText
import Foundation

/// Customers' learning features at a cutoff, their labels in the following period, and the probabilistic models
/// fitted on the calibration period: what `clv learn fit`, `evaluate` and `explain` all start from.
public struct LearnDataset: Sendable {
    /// Every feature group available (text only when customers wrote something and a text model was given).
    public var table: LearningTable
    public var window: SummaryWindow
    public var label: LearnWorkflow.Label
    /// The calibration summaries, in the table's row order.
    public var customers: CustomerTable
    /// Length of the label period in the window's unit.
    public var horizon: Double
    public var bgnbd: AnyPurchaseModel
    public var pnbd: AnyPurchaseModel
    /// The spend model; nil for a purchase-count label.
    public var spend: GammaGamma?
    /// Each customer's first purchase value (the simplest baseline's predictor).
    public var firstPurchaseValue: [Double]
    /// The penalizer the probabilistic models were fitted with.
    public var penalizer: Double
}

extension LearnWorkflow {
    /// The name and version of the feature set this CLVKit builds. Bump the version when a definition changes.
    public static let featureSetName = "clv-learn"
    public static let featureSetVersion = 1

    /// What the period after the cutoff is measured by.
    public enum Label: String, Sendable, Codable, CaseIterable {
        /// Net spend in the period (purchases less returns, floored at 0).
        case spend
        /// Purchase days in the period.
        case purchases
    }

    /// The models text features need; sentiment falls back to CLVInsight's lexicon without a classifier.
    public struct TextModels: Sendable {
        public var embedder: CachedEmbedder
        public var sentiment: EmbeddingClassifier?
        /// Principal components of the interest vectors kept as features.
        public var components: Int

        public init(embedder: CachedEmbedder, sentiment: EmbeddingClassifier?, components: Int = 5) {
            self.embedder = embedder
            self.sentiment = sentiment
            self.components = components
        }
    }

    /// Builds the features of every customer who bought by `end`, and their labels over (`end`, `holdoutEnd`].
    ///
    /// Nothing after `end` reaches a feature: summaries, order lines and interactions are all cut at `end`, and
    /// BG/NBD, Pareto/NBD and Gamma-Gamma are fitted on the calibration period only.
    /// - Throws: ``WorkflowError/noCustomers(before:)``, a ``FitError`` from the probabilistic fits,
    ///   ``LearnError/invalidOption(_:)`` when a fitted model predicts a non-finite value (a degenerate fit on
    ///   little data: a penalizer in `options` helps), or a storage error.
    public func dataset(
        end: CalendarDay, holdoutEnd: CalendarDay, unit: TimeUnit = .week, label: Label = .spend, text: TextModels? = nil,
        options: EstimatorOptions = EstimatorOptions(), progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> LearnDataset {
        guard end < holdoutEnd else { throw LearnError.invalidOption("The holdout end must come after the calibration end (--holdout-end after --end)") }
        let window = SummaryWindow(calibrationEnd: end, holdoutEnd: holdoutEnd, unit: unit)
        let workflow = Workflow(store: store)
        let customers = try await workflow.customers(SummaryWindow(calibrationEnd: end, unit: unit))
        let horizon = Double(end.days(to: holdoutEnd)) / unit.days
        progress("fit BG/NBD, Pareto/NBD\(label == .spend ? ", Gamma-Gamma" : "") on \(customers.count) customers")
        let bgnbd = try Workflow.fit(.bgnbd, customers, options: options, unit: unit, calibrationEnd: end).purchase!
        let pnbd = try Workflow.fit(.pnbd, customers, options: options, unit: unit, calibrationEnd: end).purchase!
        let spend = label == .spend ? try Workflow.fit(.gg, customers, options: options, unit: unit, calibrationEnd: end).spend : nil

        var features: [Feature] = []
        var columns: [[Double]] = []
        func add(_ name: String, _ group: FeatureGroup, _ values: [Double]) {
            features.append(Feature(name, group: group))
            columns.append(values)
        }
        func addModelOutput(_ name: String, _ values: [Double]) throws {
            guard values.allSatisfy(\.isFinite) else {
                throw LearnError.invalidOption(
                    "\(name) is not a finite number for some customers (a degenerate fit on \(customers.count) customers): give a penalizer, e.g. --penalizer 0.01"
                )
            }
            add(name, .modelOutputs, values)
        }
        // Summary.
        add("frequency", .summary, customers.summaries.map { Double($0.frequency) })
        add("recency", .summary, customers.summaries.map(\.recency))
        add("T", .summary, customers.summaries.map(\.age))
        add("monetary_value_log1p", .summary, (customers.monetary ?? []).map { log1p(max($0, 0)) })
        // Probabilistic model outputs over the label period.
        for (name, model) in [("bgnbd", bgnbd), ("pnbd", pnbd)] {
            let m = model.model
            try addModelOutput("\(name)_expected_purchases", customers.summaries.map { m.expectedPurchases(within: horizon, given: $0) })
            try addModelOutput("\(name)_p_alive", customers.summaries.map { m.probabilityAlive(given: $0) })
        }
        if let spend, let monetary = customers.monetary {
            let orderValue = zip(customers.summaries, monetary).map { spend.expectedAverageSpend(frequency: $0.frequency, meanSpend: $1) }
            try addModelOutput("gg_expected_order_value_log1p", orderValue.map { log1p(max($0, 0)) })
        }
        // Behaviour from order lines through the cutoff; labels from the days after it.
        progress("read order lines")
        let behaviour = try await behaviourColumns(customers.ids, end: end, holdoutEnd: holdoutEnd, label: label)
        for (name, values) in behaviour.columns { add(name, .behaviour, values) }
        if let text {
            let textColumns = try await textColumns(customers.ids, end: end, models: text, progress: progress)
            for (name, values) in textColumns { add(name, .text, values) }
        }
        let n = customers.count
        var elements = [Double](repeating: 0, count: n * features.count)
        for (j, column) in columns.enumerated() { for i in 0..<n { elements[i * features.count + j] = column[i] } }
        let set = try FeatureSet(name: Self.featureSetName, version: Self.featureSetVersion, features: features)
        let table = try LearningTable(
            featureSet: set, customers: customers.ids, features: try FeatureMatrix(rows: n, columns: features.count, elements: elements),
            labels: behaviour.labels)
        return LearnDataset(
            table: table, window: window, label: label, customers: customers, horizon: horizon, bgnbd: bgnbd, pnbd: pnbd, spend: spend,
            firstPurchaseValue: behaviour.firstPurchaseValue, penalizer: options.penalizer)
    }

    private func behaviourColumns(
        _ ids: [CustomerID], end: CalendarDay, holdoutEnd: CalendarDay, label: Label
    ) async throws -> (columns: [(String, [Double])], labels: [Double], firstPurchaseValue: [Double]) {
        struct Tally {
            var purchaseDays = 0
            var lines = 0
            var spent = 0.0
            var returned = 0.0
            var first: CalendarDay?
            var firstValue = 0.0
            var last: CalendarDay?
            var label = 0.0
        }
        let row = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        var tallies = [Tally](repeating: Tally(), count: ids.count)
        // Days come by customer and day, so the first purchase day seen is the first.
        for day in try await store.allCustomerDays() {
            guard let i = row[day.customer], day.day <= holdoutEnd else { continue }
            if day.day > end {
                switch label {
                case .spend: tallies[i].label += day.purchaseAmount + day.returnAmount
                case .purchases: tallies[i].label += day.purchaseLines > 0 ? 1 : 0
                }
                continue
            }
            tallies[i].returned -= day.returnAmount
            guard day.purchaseLines > 0 else { continue }
            if tallies[i].first == nil || day.day < tallies[i].first! {
                tallies[i].first = day.day
                tallies[i].firstValue = day.purchaseAmount
            }
            if tallies[i].last.map({ day.day > $0 }) ?? true { tallies[i].last = day.day }
            tallies[i].purchaseDays += 1
            tallies[i].lines += day.purchaseLines
            tallies[i].spent += day.purchaseAmount
        }
        var products = [Set<String>](repeating: [], count: ids.count)
        for purchase in try await store.productPurchases() where purchase.day <= end {
            if let i = row[purchase.customer] { products[i].insert(purchase.product) }
        }
        // Country as the share of customers from the same country: one number, the same meaning on every data set.
        var countries: [String?] = []
        countries.reserveCapacity(ids.count)
        for id in ids { countries.append(try await store.customer(id)?.country) }
        var countryCounts: [String: Int] = [:]
        for c in countries { if let c { countryCounts[c, default: 0] += 1 } }
        let n = Double(ids.count)
        let columns: [(String, [Double])] = [
            (
                "orders_per_month",
                tallies.map { t in Double(t.purchaseDays) / max(Double(t.first.map { $0.days(to: end) } ?? 0) + 1, 30.4375) * 30.4375 }
            ),
            ("lines_per_order", tallies.map { Double($0.lines) / Double(max($0.purchaseDays, 1)) }),
            ("distinct_products_log1p", products.map { log1p(Double($0.count)) }),
            ("return_share", tallies.map { $0.spent > 0 ? min($0.returned / $0.spent, 1) : 0 }),
            ("days_since_last_order", tallies.map { Double($0.last.map { $0.days(to: end) } ?? 0) }),
            ("days_since_first_order", tallies.map { Double($0.first.map { $0.days(to: end) } ?? 0) }),
            ("country_share", countries.map { $0.map { Double(countryCounts[$0]!) / n } ?? 0 }),
            ("first_purchase_value_log1p", tallies.map { log1p(max($0.firstValue, 0)) }),
            ("total_spend_log1p", tallies.map { log1p(max($0.spent, 0)) }),
        ]
        return (columns, tallies.map { max($0.label, 0) }, tallies.map { max($0.firstValue, 0) })
    }

    /// Interest components (of what consenting customers wrote and bought through `end`, by the products' texts),
    /// sentiment level and trend, mean rating and counts by kind (of what they wrote); zeros for everyone else
    /// (`has_text` says whether the customer wrote anything).
    private func textColumns(
        _ ids: [CustomerID], end: CalendarDay, models: TextModels, progress: @Sendable (String) -> Void
    ) async throws -> [(String, [Double])] {
        let row = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let consents = try await store.consents()
        let interactions = try await store.interactions(kinds: []).filter {
            $0.day <= end && row[$0.customer] != nil && consents[$0.customer]?.profiling == true
        }
        var counts = Array(repeating: [Double](repeating: 0, count: ids.count), count: InteractionKind.allCases.count)
        var ratingSum = [Double](repeating: 0, count: ids.count)
        var ratingCount = [Double](repeating: 0, count: ids.count)
        for interaction in interactions {
            let i = row[interaction.customer]!
            counts[InteractionKind.allCases.firstIndex(of: interaction.kind)!][i] += 1
            if let r = interaction.rating {
                ratingSum[i] += r
                ratingCount[i] += 1
            }
        }
        let written = interactions.filter { !$0.text.isEmpty }
        // What consenting customers bought through the cutoff, by the products' texts (as profiles read interests).
        let productText = try await store.products().reduce(into: [String: String]()) { $0[$1.id] = $1.text }
        var bought: [(row: Int, text: String, day: CalendarDay)] = []
        for purchase in try await store.productPurchases() where purchase.day <= end && consents[purchase.customer]?.profiling == true {
            if let i = row[purchase.customer], let text = productText[purchase.product] { bought.append((i, text, purchase.day)) }
        }
        let texts = Array(Set(written.map(\.text) + bought.map(\.text))).sorted()
        progress("embed \(texts.count) texts")
        let vectors = try await models.embedder.embed(texts).vectors
        let vectorOf = Dictionary(uniqueKeysWithValues: zip(texts, vectors))
        var items = [[(vector: [Float], day: CalendarDay)]](repeating: [], count: ids.count)
        var scored = [[ScoredText]](repeating: [], count: ids.count)
        let lexicon = LexiconSentiment()
        for interaction in written {
            let i = row[interaction.customer]!
            let vector = vectorOf[interaction.text]!
            items[i].append((vector, interaction.day))
            let score: Double
            if let classifier = models.sentiment {
                score = classifier.sentimentScore(try classifier.predict(vector)) ?? 0
            } else {
                score = lexicon.score(interaction.text).score
            }
            scored[i].append(ScoredText(day: interaction.day, kind: interaction.kind, label: "", score: score, rating: interaction.rating))
        }
        var interestItems = items
        for b in bought { interestItems[b.row].append((vectorOf[b.text]!, b.day)) }
        let interest = interestItems.map { InsightWorkflow.interestVector($0, asOf: end) }
        let present = interest.compactMap { $0 }
        var columns: [(String, [Double])] = []
        if present.count >= 2 {
            let pca = try PrincipalComponents(fitting: present, count: models.components)
            let projected = interest.map { $0.map(pca.project) }
            for c in 0..<pca.components.count { columns.append(("interest_pc\(c + 1)", projected.map { $0?[c] ?? 0 })) }
        }
        let timelines = scored.map { CustomerProfile.sentimentTimeline($0) }
        columns.append(("sentiment_level", scored.map { s in s.isEmpty ? 0 : s.reduce(0) { $0 + $1.score } / Double(s.count) }))
        columns.append(("sentiment_trend", timelines.map { $0.1 ?? 0 }))
        columns.append(("mean_rating", zip(ratingSum, ratingCount).map { $1 > 0 ? $0 / $1 : 0 }))
        for (k, kind) in InteractionKind.allCases.enumerated() { columns.append(("\(kind.rawValue)_count_log1p", counts[k].map { log1p($0) })) }
        columns.append(("has_text", items.map { $0.isEmpty ? 0 : 1 }))
        return columns
    }
}
