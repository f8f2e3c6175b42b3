import CLVCore
import CLVData
import CLVRecommend
import Foundation

/// Recommendations from the order store: the customer × product matrix (net quantities, returns netted), the
/// models of CLVRecommend fitted on it, offline evaluation on a time split, and per-customer lists with product
/// titles and a reason. `clv recommend` calls these; the server will call the same.
///
/// Fits are synchronous CPU work (about a second for Online Retail's 4,339 × 3,665 matrix with ALS on two cores):
/// run them from the CLI or a job, never inside a request.
public struct RecommendWorkflow: Sendable {
    public let store: any ServiceStore
    /// How the content model (alone and in the hybrid) and the similar products of a product nobody bought read
    /// the catalogue's texts.
    public let content: ProductContent

    public init(store: some ServiceStore, content: ProductContent = .words) {
        self.store = store
        self.content = content
    }

    /// The recommenders `clv recommend` offers, by the names the CLI and JSON use.
    public enum Model: String, Sendable, CaseIterable, Codable {
        case als, bpr
        case itemKNN = "item-knn"
        case popularity
        /// ALS and item-kNN blended, ALS's weight chosen on the last ``hybridValidationDays`` of the training data
        /// (the last third of a shorter history), then the content model blended in with its weight chosen there too.
        case hybrid
        /// Content-based: the products whose titles and descriptions are most like those of what the customer has
        /// (``ProductContent``: embeddings or words).
        case content
    }

    /// The content model's weights the hybrid chooses among.
    public static let contentWeights: [Float] = [0, 0.1, 0.2, 0.3, 0.5]

    /// Days at the end of the training orders the hybrid's weight is chosen on (the models learn from the days
    /// before them): three months, the length of the README's June–August validation split.
    public static let hybridValidationDays = 91

    /// The ALS weights the hybrid chooses among.
    public static let hybridWeights: [Float] = [0, 0.25, 0.5, 0.75, 1]

    /// Every customer's net product quantities with their days.
    public struct PurchaseLog: Sendable {
        public var customers: IndexMap<CustomerID>
        public var products: IndexMap<String>
        /// One entry per order line; timestamps are days since the epoch, returns have negative values.
        public var lines: [CLVRecommend.Interaction]

        /// The matrix of lines before `day` (all lines when nil), netted.
        public func matrix(before day: CalendarDay? = nil) -> SparseMatrix {
            let kept = day.map { d in lines.filter { $0.timestamp < Int64(d.daysSinceEpoch) } } ?? lines
            return SparseMatrix(rows: customers.count, columns: products.count, entries: kept)
        }

        /// The matrix of lines from `day` on (and before `end` when given), netted.
        public func matrix(from day: CalendarDay, before end: CalendarDay? = nil) -> SparseMatrix {
            let start = Int64(day.daysSinceEpoch)
            let stop = end.map { Int64($0.daysSinceEpoch) } ?? .max
            return SparseMatrix(rows: customers.count, columns: products.count, entries: lines.filter { $0.timestamp >= start && $0.timestamp < stop })
        }

        /// The first and the last day with a line.
        public var firstDay: CalendarDay { CalendarDay(daysSinceEpoch: Int(lines.map(\.timestamp).min() ?? 0)) }
        public var lastDay: CalendarDay { CalendarDay(daysSinceEpoch: Int(lines.map(\.timestamp).max() ?? 0)) }
    }

    /// Reads every product line of the store.
    /// - Throws: ``WorkflowError/noOrders`` when no line names both a customer and a product.
    public func purchaseLog() async throws -> PurchaseLog {
        let rows = try await store.productLinesNettingReturns()
        guard !rows.isEmpty else { throw WorkflowError.noOrders }
        var customers = IndexMap<CustomerID>()
        var products = IndexMap<String>()
        let lines = rows.map { row in
            CLVRecommend.Interaction(
                user: customers.index(inserting: row.customer), item: products.index(inserting: row.product), value: Float(row.quantity),
                timestamp: Int64(row.day.daysSinceEpoch))
        }
        return PurchaseLog(customers: customers, products: products, lines: lines)
    }

    /// Fits one model on a matrix with the settings chosen for retail baskets on Online Retail (README,
    /// "Recommendations"): purchase presence, not quantity, since quantities there span five orders of magnitude.
    /// - Parameters:
    ///   - products: the product id of each column, and `catalogue` the products' texts: what `.content` reads.
    /// - Precondition: for `.content`, one product id per column.
    public static func fit(
        _ model: Model, _ matrix: SparseMatrix, threads: Int = 2, products: [String] = [], catalogue: [Product] = []
    ) -> ExplainableOrPlainRecommender {
        let bought = matrix.mapValues { _ in 1 }
        // No more factors than a quarter of the matrix's smaller side: a small shop's matrix is fitted cell for cell
        // by 64 factors, and its unseen products are then ranked by noise.
        let factors = max(2, min(64, min(matrix.rows, matrix.columns) / 4))
        switch model {
        case .als:
            return .explainable(ALSEstimator(factors: factors, regularization: 0.01, alpha: 1, iterations: 15, threads: threads).fit(bought))
        case .bpr:
            return .plain(BPREstimator(factors: factors, learningRate: 0.05, regularization: 0.02, iterations: 100, threads: 1).fit(bought))
        case .itemKNN:
            return .explainable(ItemKNNEstimator(weighting: .cosine, neighbours: 20, threads: threads).fit(bought))
        case .popularity:
            return .plain(PopularityModel(fitting: bought))
        case .content:
            precondition(products.count == matrix.columns, "RecommendWorkflow.fit(.content): \(products.count) product ids for \(matrix.columns) columns")
            return .plain(ContentRecommender(ProductTextIndex(catalogue), products: products))
        case .hybrid:
            // Without the order days to choose a weight on, the weight the README's validation chose.
            let als = ALSEstimator(factors: factors, regularization: 0.01, alpha: 1, iterations: 15, threads: threads).fit(bought)
            let knn = ItemKNNEstimator(weighting: .cosine, neighbours: 20, threads: threads).fit(bought)
            return .plain(BlendedRecommender([(als, 0.5), (knn, 0.5)]))
        }
    }

    /// The models of one fit: the one that ranks, item-kNN (similar products, reasons) and popularity (customers
    /// without products), all over `products`.
    struct FittedModels: Sendable, Codable {
        static let schemaVersion = 1
        var schemaVersion = Self.schemaVersion
        var model: Model
        /// The product id of each column.
        var products: [String]
        var als: ALSModel?
        var bpr: BPRModel?
        var itemKNN: ItemKNNModel
        var popularity: PopularityModel
        /// ALS's weight in the hybrid's collaborative part (item-kNN has the rest), the content model's weight
        /// beside that part, and the validation recall@10 they had.
        var hybridWeight: Float?
        var contentWeight: Float?
        var hybridValidationRecall: Double?
        /// The embedding model (cache name) the content model read, nil for words: a run whose ranking reads the
        /// content model is served only with the same one.
        var contentEmbedding: String?

        /// Whether the ranking reads the content model.
        var ranksByContent: Bool { model == .content || (model == .hybrid && (contentWeight ?? 0) > 0) }

        /// The ranking model as fitted (with its training users' factors): what offline evaluation scores.
        /// `content` is the content model over the same products (rebuilt from the catalogue, never saved).
        func evaluationRecommender(content: any Recommender) -> any Recommender {
            switch model {
            case .als: als!
            case .bpr: bpr!
            case .itemKNN: itemKNN
            case .popularity: popularity
            case .content: content
            case .hybrid: Self.hybrid(als!, itemKNN, content, weight: hybridWeight!, contentWeight: contentWeight ?? 0)
            }
        }

        /// The ranking model as served: every customer folded in from their products.
        func servingRecommender(content: any Recommender) -> any Recommender {
            switch model {
            case .als: FoldInALS(als!)
            case .bpr: bpr!
            case .itemKNN: itemKNN
            case .popularity: popularity
            case .content: content
            case .hybrid: Self.hybrid(FoldInALS(als!), itemKNN, content, weight: hybridWeight!, contentWeight: contentWeight ?? 0)
            }
        }

        static func hybrid(
            _ als: any Recommender, _ knn: any Recommender, _ content: any Recommender, weight: Float, contentWeight: Float
        ) -> any Recommender {
            let collaborative = BlendedRecommender([(als, weight), (knn, 1 - weight)])
            return contentWeight == 0 ? collaborative : BlendedRecommender([(collaborative, 1 - contentWeight), (content, contentWeight)])
        }

        /// Who says why a product is on a list, first that can: ALS's explanation (the bought product with the
        /// largest share of the score), then item-kNN's neighbour.
        func servingExplainers() -> [any ExplainableRecommender] {
            switch model {
            case .als, .hybrid: [FoldInALS(als!), itemKNN]
            case .bpr, .itemKNN, .content: [itemKNN]
            case .popularity: []
            }
        }

        /// The same models without any customer's factors: what is saved.
        func itemSide() -> FittedModels {
            var copy = self
            copy.als = als.map(FoldInALS.itemSide(of:))
            copy.bpr = bpr.map {
                BPRModel(
                    factors: $0.factors, learningRate: $0.learningRate, regularization: $0.regularization, userFactors: [], itemFactors: $0.itemFactors,
                    itemBias: $0.itemBias, userCount: 0, itemCount: $0.itemCount)
            }
            return copy
        }
    }

    /// Fits `model` (with item-kNN and popularity beside it) on the log's lines before `day` (all when nil).
    /// - Parameter itemKNN: the item-kNN model of the same lines when already fitted (an evaluation fits it once).
    /// - Parameter content: the content model over the log's products (``contentModel(catalogue:products:)``).
    static func fitModels(
        _ model: Model, log: PurchaseLog, before day: CalendarDay? = nil, threads: Int = 2, itemKNN: ItemKNNModel? = nil,
        content: (recommender: any Recommender, embedding: String?)
    ) -> FittedModels {
        let train = log.matrix(before: day)
        let bought = train.mapValues { _ in 1 }
        let knn = itemKNN ?? ItemKNNEstimator(weighting: .cosine, neighbours: 20, threads: threads).fit(bought)
        var fitted = FittedModels(model: model, products: log.products.ids, itemKNN: knn, popularity: PopularityModel(fitting: bought))
        fitted.contentEmbedding = content.embedding
        switch model {
        case .als: fitted.als = Self.fit(.als, train, threads: threads).recommender as? ALSModel
        case .bpr: fitted.bpr = Self.fit(.bpr, train, threads: threads).recommender as? BPRModel
        case .itemKNN, .popularity, .content: break
        case .hybrid:
            fitted.als = Self.fit(.als, train, threads: threads).recommender as? ALSModel
            let end = day ?? log.lastDay.adding(days: 1)
            // A short history (a new shop) validates on its last third instead of three months.
            let span = end.daysSinceEpoch - log.firstDay.daysSinceEpoch
            let validationStart = end.adding(days: -min(hybridValidationDays, span / 3))
            let early = log.matrix(before: validationStart)
            let late = log.matrix(from: validationStart, before: end)
            if early.nonZeroCount > 0, late.nonZeroCount > 0 {
                let earlyBought = early.mapValues { _ in 1 }
                let earlyALS = Self.fit(.als, early, threads: threads).recommender
                let earlyKNN = ItemKNNEstimator(weighting: .cosine, neighbours: 20, threads: threads).fit(earlyBought)
                let choice = BlendedRecommender.chooseWeight(
                    earlyALS, earlyKNN, grid: hybridWeights, train: earlyBought, validation: late, k: 10, threads: threads)
                fitted.hybridWeight = choice.weight
                fitted.hybridValidationRecall = choice.recall
                // Then the content model beside the chosen blend: kept only where it adds recall (ties: less content).
                fitted.contentWeight = 0
                for c in contentWeights.dropFirst() {
                    let blend = FittedModels.hybrid(earlyALS, earlyKNN, content.recommender, weight: choice.weight, contentWeight: c)
                    let recall = RecommenderEvaluation.evaluate(blend, train: earlyBought, test: late, k: 10, threads: threads).recall
                    if recall > fitted.hybridValidationRecall! {
                        fitted.contentWeight = c
                        fitted.hybridValidationRecall = recall
                    }
                }
            } else {
                fitted.hybridWeight = 0.5
            }
        }
        return fitted
    }

    // MARK: - Saved runs

    /// Fits `model` on every order line of the store and saves it as a recommender run.
    /// - Returns: the run, loaded.
    /// - Throws: ``WorkflowError/noOrders`` when no line names both a customer and a product.
    public func fitAndSave(_ model: Model) async throws -> LoadedRecommender {
        let log = try await purchaseLog()
        let catalogue = try await store.products()
        let fitted = Self.fitModels(model, log: log, content: try await contentModel(for: [model], catalogue: catalogue, products: log.products.ids))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var record = RecommenderRunRecord(
            model: model.rawValue, dataEnd: log.lastDay, customers: log.customers.count, products: log.products.count,
            fitJSON: String(decoding: try encoder.encode(fitted.itemSide()), as: UTF8.self))
        record.id = try await store.saveRecommenderRun(record)
        return try await loaded(record, fitted: fitted.itemSide())
    }

    /// The newest saved recommender run (of `model` when given) read back with the store's current orders and
    /// catalogue; nil when none is saved.
    /// - Throws: ``RecommendWorkflowError/unreadableRun(id:reason:)`` for JSON this CLVKit cannot read.
    public func loadLatest(model: Model? = nil) async throws -> LoadedRecommender? {
        guard let record = try await store.latestRecommenderRun(model: model?.rawValue) else { return nil }
        let fitted: FittedModels
        do {
            let version = try JSONDecoder().decode(VersionProbe.self, from: Data(record.fitJSON.utf8)).schemaVersion
            guard version == FittedModels.schemaVersion else {
                throw RecommendWorkflowError.unreadableRun(id: record.id, reason: "schema version \(version) is not one this CLVKit reads")
            }
            fitted = try JSONDecoder().decode(FittedModels.self, from: Data(record.fitJSON.utf8))
        } catch let error as RecommendWorkflowError {
            throw error
        } catch {
            throw RecommendWorkflowError.unreadableRun(id: record.id, reason: "\(error)")
        }
        return try await loaded(record, fitted: fitted)
    }

    /// The newest saved run (of `model` when given), or, when there is none, a new fit of `model` (ALS when nil)
    /// saved as one; `notice` hears that a fit is under way.
    public func loadOrFit(model: Model? = nil, notice: (@Sendable (String) -> Void)? = nil) async throws -> LoadedRecommender {
        if let loaded = try await loadLatest(model: model) { return loaded }
        let chosen = model ?? .als
        notice?("No saved \(chosen.rawValue) recommender: fitting one on the stored orders now and saving it (`clv recommend fit` refits).")
        return try await fitAndSave(chosen)
    }

    /// The same recommender with the store's order lines read again: customers' new orders folded in, no refit.
    public func refreshed(_ loaded: LoadedRecommender) async throws -> LoadedRecommender {
        try await self.loaded(loaded.run, fitted: loaded.fitted)
    }

    private func loaded(_ record: RecommenderRunRecord, fitted: FittedModels) async throws -> LoadedRecommender {
        if fitted.ranksByContent, let needed = fitted.contentEmbedding, needed != content.embeddingModel {
            throw RecommendWorkflowError.contentModelUnavailable(run: record.id, embedding: needed, have: content.embeddingModel)
        }
        let catalogue = try await store.products()
        let embeddings: ProductEmbeddings? =
            if fitted.contentEmbedding != nil, case .embeddings(let embedder) = content {
                try await ProductEmbeddings.embedding(catalogue, with: embedder)
            } else {
                nil
            }
        return LoadedRecommender(
            run: record, fitted: fitted, lines: try await store.productLinesNettingReturns(), catalogue: catalogue, embeddings: embeddings,
            countries: try await store.countries())
    }

    /// The content model over `products` as ``content`` reads the catalogue, and the embedding model it used;
    /// words (no embedding) when none of `models` reads the content model, so that nothing is embedded for them.
    func contentModel(for models: [Model], catalogue: [Product], products: [String]) async throws -> (recommender: any Recommender, embedding: String?) {
        switch content {
        case .embeddings(let embedder) where models.contains(.content) || models.contains(.hybrid):
            (EmbeddingContentRecommender(try await ProductEmbeddings.embedding(catalogue, with: embedder), products: products), embedder.cacheKey)
        case .words, .embeddings: (ContentRecommender(ProductTextIndex(catalogue), products: products), nil)
        }
    }

    private struct VersionProbe: Decodable { var schemaVersion: Int }

    /// Every model's top-k metrics on a time split: fitted on lines before `splitDate`, scored on what each
    /// customer (with purchases on both sides) bought from that day on, seen products filtered.
    /// - Throws: ``WorkflowError`` when either side of the split is empty.
    public func evaluate(splitDate: CalendarDay, k: Int, models: [Model] = Model.allCases) async throws -> [(Model, RankingMetrics)] {
        try await evaluateByTier(splitDate: splitDate, k: k, models: models, tiers: false).evaluations.map { ($0.model, $0.overall) }
    }

    /// One model's metrics on a split, overall and per CLV tier.
    public struct ModelEvaluation: Sendable {
        public var model: Model
        public var overall: RankingMetrics
        /// By tier, best tier first; tiers without an evaluated customer are left out.
        public var tiers: [(tier: String, metrics: RankingMetrics)]
    }

    /// ``evaluate(splitDate:k:models:)`` with each customer's CLV tier (BG/NBD + Gamma-Gamma fitted on the
    /// orders before the split, ``CustomerValues``) and optionally the lists re-weighted by CLV.
    /// - Returns: the evaluations, and why there are no tiers when the CLV models could not be fitted.
    public func evaluateByTier(
        splitDate: CalendarDay, k: Int, models: [Model] = Model.allCases, rerank: CLVReranking? = nil, tiers: Bool = true
    ) async throws -> (evaluations: [ModelEvaluation], tiersMissing: String?) {
        let log = try await purchaseLog()
        let train = log.matrix(before: splitDate)
        let test = log.matrix(from: splitDate)
        guard train.nonZeroCount > 0 else { throw WorkflowError.noCustomers(before: splitDate) }
        guard test.nonZeroCount > 0 else { throw RecommendWorkflowError.nothingAfter(splitDate) }
        let bought = train.mapValues { _ in 1 }
        // The CLV fit and the models' fits are independent: run them side by side (BPR's SGD is one thread, so
        // the other core fits the rest meanwhile).
        let store = store
        async let valuesFit = Self.customerValues(store, asOf: splitDate.adding(days: -1), wanted: tiers || rerank != nil)
        let knn = ItemKNNEstimator(weighting: .cosine, neighbours: 20).fit(bought)
        let catalogue = try await store.products()
        let content = try await contentModel(for: models, catalogue: catalogue, products: log.products.ids)
        let fits = await withTaskGroup(of: (Int, FittedModels).self) { group in
            for (i, model) in models.enumerated() {
                group.addTask { (i, Self.fitModels(model, log: log, before: splitDate, itemKNN: knn, content: content)) }
            }
            var out = [FittedModels?](repeating: nil, count: models.count)
            for await (i, fitted) in group { out[i] = fitted }
            return out.map { $0! }
        }
        var values: CustomerValues?
        var tiersMissing: String?
        switch await valuesFit {
        case .success(let fitted)?: values = fitted
        case .failure(let error)?: tiersMissing = "the CLV models could not be fitted on the orders before \(splitDate): \(error)"
        case nil: break
        }
        let alive = log.customers.ids.map { values?.probabilityAlive[$0] }
        let byID = Dictionary(catalogue.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let prices = log.products.ids.map { byID[$0]?.price }
        let users = (0..<min(train.rows, test.rows)).filter { test.count(ofRow: $0) > 0 && train.count(ofRow: $0) > 0 }
        let relevant = users.map { Set(test.columns(ofRow: $0).map(Int.init)) }
        return (
            zip(models, fits).map { model, fitted in
                var recommender = fitted.evaluationRecommender(content: content.recommender)
                if let rerank {
                    let inputs = rerank.inputs(prices: prices, buyers: bought, probabilityAlive: alive, popularity: fitted.popularity.userCounts)
                    recommender = ReweightedRecommender(base: recommender, inputs: inputs, probabilityAlive: alive)
                }
                let lists = RecommenderEvaluation.recommendAll(recommender, users: users, train: bought, k: k)
                let overall = RankingMetrics.evaluate(lists: lists, relevant: relevant, k: k, catalogue: log.products.count)
                var byTier: [(tier: String, metrics: RankingMetrics)] = []
                if tiers, let values {
                    for tier in values.tierNames {
                        let members = users.indices.filter { values.tiers[log.customers.ids[users[$0]]] == tier }
                        guard !members.isEmpty else { continue }
                        byTier.append(
                            (
                                tier,
                                RankingMetrics.evaluate(
                                    lists: members.map { lists[$0] }, relevant: members.map { relevant[$0] }, k: k, catalogue: log.products.count)
                            ))
                    }
                }
                return ModelEvaluation(model: model, overall: overall, tiers: byTier)
            }, tiersMissing
        )
    }

    private static func customerValues(_ store: any ServiceStore, asOf day: CalendarDay, wanted: Bool) async -> Result<CustomerValues, any Error>? {
        guard wanted else { return nil }
        do { return .success(try await CustomerValues.fitted(store, asOf: day)) } catch { return .failure(error) }
    }

    /// One recommended product with what the catalogue says about it and why it is there.
    public struct ProductRecommendation: Sendable, Codable, Equatable {
        public var product: String
        public var title: String?
        public var score: Double
        public var reason: String
    }

    /// The `k` best products for a customer from the newest saved run (of `model` when given), fitting and saving
    /// one when none exists. A customer without product lines gets the products described most like what they
    /// wrote (with their profiling consent), then the most popular products.
    ///
    /// Reads the run and the store on every call: a server that answers many requests keeps a
    /// ``LoadedRecommender`` (``loadOrFit(model:notice:)``) instead.
    /// - Parameter allowRepurchase: keep products the customer already has (replenishment).
    /// - Throws: ``RecommendWorkflowError/unknownCustomer(_:)`` for a customer the store does not have.
    /// - Parameter rerank: re-weight the list by CLV, with P(alive) from BG/NBD fitted on every order
    ///   (``CustomerValues``).
    public func recommend(
        customer: CustomerID, k: Int, model: Model? = nil, allowRepurchase: Bool = false, filter: ProductFilter = ProductFilter(),
        rerank: CLVReranking? = nil, notice: (@Sendable (String) -> Void)? = nil
    ) async throws -> [ProductRecommendation] {
        guard let record = try await store.customer(customer) else { throw RecommendWorkflowError.unknownCustomer(customer) }
        var loaded = try await loadOrFit(model: model, notice: notice)
        // What a customer without products wrote, only with their consent to profiling (as interests are read).
        var wrote: [String] = []
        if !loaded.knows(customer), record.consent.profiling {
            wrote = try await store.interactions(of: customer).map(\.text).filter { !$0.isEmpty }
        }
        if let rerank {
            guard let last = try await store.statistics().lastDay else { throw WorkflowError.noOrders }
            loaded = loaded.reranked(rerank, values: try await CustomerValues.fitted(store, asOf: last))
        }
        return loaded.recommend(customer: customer, k: k, allowRepurchase: allowRepurchase, filter: filter, wrote: wrote)
    }

    /// The `k` products most often bought by the same customers as `product` (item-kNN, cosine, from the newest
    /// saved run, fitting and saving one when none exists); for a product nobody bought, the products described
    /// most alike.
    /// - Throws: ``RecommendWorkflowError/unknownProduct(_:)`` for a product neither bought nor in the catalogue.
    public func similar(product: String, k: Int, notice: (@Sendable (String) -> Void)? = nil) async throws -> [ProductRecommendation] {
        try await loadOrFit(notice: notice).similar(product: product, k: k)
    }
}

/// A fitted recommender, and whether it can explain itself (ALS, item-kNN) or not (BPR, popularity).
public enum ExplainableOrPlainRecommender: Sendable {
    case explainable(any ExplainableRecommender)
    case plain(any Recommender)

    public var recommender: any Recommender {
        switch self {
        case .explainable(let model): model
        case .plain(let model): model
        }
    }
}

/// What can go wrong asking for recommendations, each with how to fix it.
public enum RecommendWorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCustomer(CustomerID)
    case unknownProduct(String)
    case nothingAfter(CalendarDay)
    case unreadableRun(id: Int64, reason: String)
    /// The run ranks with product embeddings of `embedding`; the workflow reads texts with `have` (nil: words).
    case contentModelUnavailable(run: Int64, embedding: String, have: String?)

    public var description: String {
        switch self {
        case .unknownCustomer:
            "No customer with that id in the database: check the id (`clv summary` lists customers) or import their orders."
        case .unknownProduct(let id):
            "No customer bought product \(id) and the catalogue has no text for it: check the id against `clv ingest products` or the order file."
        case .nothingAfter(let day): "No order line falls on or after \(day): choose an earlier --split-date."
        case .unreadableRun(let id, let reason): "Recommender run \(id) cannot be read (\(reason)): refit with `clv recommend fit`."
        case .contentModelUnavailable(let run, let embedding, let have):
            "Recommender run \(run) ranks with \(embedding) product embeddings, but \(have.map { "\($0) embeddings are" } ?? "product words are") in use: read products with \(embedding) (`--content embeddings`), or refit with `clv recommend fit`."
        }
    }
}
