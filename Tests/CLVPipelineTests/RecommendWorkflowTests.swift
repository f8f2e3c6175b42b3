import CLVCore
import CLVData
import CLVRecommend
import CLVSQLite
import CLVTestSupport
import CLVText
import Foundation
import Synchronization
import Testing

@testable import CLVPipeline

/// Saved recommender runs, the loaded recommender a server keeps, cold start and incremental updates, over a real
/// store holding the first two months of Online Retail (December 2010 and January 2011, ~1,100 customers).
@Suite struct RecommendWorkflowTests {
    /// The order lines before 2011-02-01, as orders and as the derived catalogue.
    static func retailStore() async throws -> SQLiteStore {
        let folder = try TemporaryDirectory()
        let source = try TestData.shared("online-retail/online_retail.csv")
        let text = try String(contentsOf: source, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let kept = [lines[0]] + lines.dropFirst().prefix { !$0.contains(",2011-02-") }
        let file = try folder.write("retail.csv", kept.joined(separator: "\n") + "\n")
        let store = try SQLiteStore.inMemory()
        _ = try await OrderIngester(format: .onlineRetail).ingest(file: file, into: store, quarantineFile: folder.url.appendingPathComponent("q.csv"))
        _ = try await store.upsertProducts(try ProductFileReader.deriveFromOnlineRetail(file).products)
        return store
    }

    /// A customer with many products, so their list and its reasons have something to work from.
    static func regular(_ loaded: LoadedRecommender) -> CustomerID {
        loaded.netQuantities.keys.max { a, b in
            let (ca, cb) = (loaded.history(of: a).count, loaded.history(of: b).count)
            return ca != cb ? ca < cb : a.rawValue > b.rawValue
        }!
    }

    @Test func aSavedRunHoldsNoCustomerAndServesWhatTheFitDoes() async throws {
        let store = try await Self.retailStore()
        let workflow = RecommendWorkflow(store: store)
        #expect(try await workflow.loadLatest() == nil)
        let fitted = try await workflow.fitAndSave(.als)
        let record = try #require(try await store.latestRecommenderRun(model: "als"))
        #expect(record.id == fitted.run.id && record.customers > 1000 && record.products == fitted.productCount)

        // Item side only: no customer's factors, and no customer id anywhere in the JSON's keys or strings.
        let saved = try JSONDecoder().decode(RecommendWorkflow.FittedModels.self, from: Data(record.fitJSON.utf8))
        let als = try #require(saved.als)
        #expect(als.userCount == 0 && als.userFactors.isEmpty && als.itemCount == fitted.productCount)
        #expect(Set(saved.products) == Set(fitted.products.ids))

        let loaded = try #require(try await workflow.loadLatest(model: .als))
        #expect(loaded.run.id == record.id && loaded.model == .als)
        let customer = Self.regular(loaded)
        let list = loaded.recommend(customer: customer, k: 10)
        #expect(list == fitted.recommend(customer: customer, k: 10), "the run read back ranks as the fit that saved it")
        #expect(list.count == 10)

        // The same list as ALS's own fold-in of the customer's products scores it.
        let history = loaded.history(of: customer)
        let direct = als.recommend(user: -1, history: history, k: 10).map { loaded.products.ids[$0.item] }
        #expect(list.map(\.product) == direct)

        // Nothing they already have; every "bought with" names a product they bought.
        let owned = Set(history.indices.map { loaded.products.ids[Int($0)] })
        #expect(list.allSatisfy { !owned.contains($0.product) })
        let ownedTitles = Set(owned.compactMap { loaded.catalogue[$0]?.title ?? $0 })
        let explained = list.filter { $0.reason.hasPrefix("bought with ") }
        #expect(!explained.isEmpty)
        #expect(explained.allSatisfy { ownedTitles.contains(String($0.reason.dropFirst("bought with ".count))) })
        #expect(list.allSatisfy { $0.title != nil })

        // The workflow's one-shot calls read the newest run instead of fitting again.
        #expect(try await workflow.recommend(customer: customer, k: 10) == list)
        await #expect(throws: RecommendWorkflowError.unknownCustomer(CustomerID("no-such-customer"))) {
            _ = try await workflow.recommend(customer: CustomerID("no-such-customer"), k: 5)
        }
    }

    @Test func aFitIsMadeOnlyWhenNoRunExistsAndSaidSo() async throws {
        let workflow = RecommendWorkflow(store: try await Self.retailStore())
        let notices = NoticeLog()
        let first = try await workflow.loadOrFit(model: .itemKNN, notice: notices.add)
        #expect(notices.lines.count == 1 && notices.lines[0].hasPrefix("No saved item-knn recommender"))
        let second = try await workflow.loadOrFit(model: .itemKNN, notice: notices.add)
        #expect(notices.lines.count == 1, "the saved run is used: \(notices.lines)")
        #expect(second.run.id == first.run.id)
        // Any model's newest run serves when none is named.
        #expect(try await workflow.loadOrFit(notice: notices.add).run.id == first.run.id)
        let similar = try await workflow.similar(product: "85123A", k: 5, notice: notices.add)
        #expect(similar.count == 5 && notices.lines.count == 1)
        #expect(similar.allSatisfy { $0.product != "85123A" && $0.reason == "bought by customers who bought WHITE HANGING HEART T-LIGHT HOLDER" })
    }

    @Test func newOrdersAreFoldedInWithoutARefit() async throws {
        let store = try await Self.retailStore()
        let workflow = RecommendWorkflow(store: store)
        let loaded = try await workflow.fitAndSave(.als)
        let als = try #require(loaded.fitted.als)
        let customer = Self.regular(loaded)
        let before = loaded.recommend(customer: customer, k: 5)
        let day = CalendarDay(iso: "2011-02-15")!
        let bought = before.prefix(2).map { ProductPurchase(customer: customer, product: $0.product, day: day, quantity: 6) }
        let updated = loaded.updated(with: bought)

        // The customer's factors are the exact fold-in of their grown history, and what they just bought leaves
        // their list.
        let history = updated.history(of: customer)
        #expect(history.count == loaded.history(of: customer).count + 2)
        let served = FoldInALS(als).userVector(history)
        for (a, b) in zip(served, als.foldIn(history)) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
        let after = updated.recommend(customer: customer, k: 5)
        #expect(Set(after.map(\.product)).isDisjoint(with: bought.map(\.product)))
        #expect(updated.run.id == loaded.run.id, "no refit")
        #expect(loaded.recommend(customer: customer, k: 5) == before, "the original value is unchanged")

        // A return nets a product back out; a new customer's first order takes them off the cold-start list.
        let returned = updated.updated(with: [ProductPurchase(customer: customer, product: bought[0].product, day: day, quantity: -6)])
        #expect(returned.history(of: customer).count == history.count - 1)
        let newcomer = CustomerID("new-customer")
        #expect(!updated.knows(newcomer))
        #expect(updated.recommend(customer: newcomer, k: 3).allSatisfy { $0.reason == "popular with our customers" })
        let joined = updated.updated(with: [ProductPurchase(customer: newcomer, product: "85123A", day: day, quantity: 1)])
        #expect(joined.knows(newcomer))
        #expect(joined.recommend(customer: newcomer, k: 3).allSatisfy { $0.reason != "popular with our customers" && $0.product != "85123A" })
        // Products the run does not know wait for the next fit.
        #expect(loaded.updated(with: [ProductPurchase(customer: newcomer, product: "NOT-IN-THE-RUN", day: day, quantity: 1)]).knows(newcomer) == false)
    }

    /// What the server does after events: the store's lines read again fold in exactly what `updated(with:)`
    /// would, for a customer the run knows and for one it has never seen, still without a refit.
    @Test func refreshingFromTheStoreFoldsInItsNewLinesAsAnUpdateDoes() async throws {
        let store = try await Self.retailStore()
        let workflow = RecommendWorkflow(store: store)
        let loaded = try await workflow.fitAndSave(.als)
        let regular = Self.regular(loaded)
        let bought = loaded.recommend(customer: regular, k: 3).prefix(2).map(\.product)
        let newcomer = CustomerID("99001")
        #expect(!loaded.knows(newcomer))

        let folder = try TemporaryDirectory()
        let rows = [
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
            "700001,\(bought[0]),NEW ORDER,6,2011-02-15 10:00:00,2.55,\(regular.rawValue),United Kingdom",
            "700001,\(bought[1]),NEW ORDER,2,2011-02-15 10:00:00,3.39,\(regular.rawValue),United Kingdom",
            "700002,85123A,WHITE HANGING HEART T-LIGHT HOLDER,1,2011-02-16 09:00:00,2.55,\(newcomer.rawValue),France",
        ]
        let file = try folder.write("new.csv", rows.joined(separator: "\n") + "\n")
        _ = try await OrderIngester(format: .onlineRetail).ingest(file: file, into: store, quarantineFile: folder.url.appendingPathComponent("q.csv"))

        let refreshed = try await workflow.refreshed(loaded)
        let day = CalendarDay(iso: "2011-02-15")!
        let expected = loaded.updated(with: [
            ProductPurchase(customer: regular, product: bought[0], day: day, quantity: 6),
            ProductPurchase(customer: regular, product: bought[1], day: day, quantity: 2),
            ProductPurchase(customer: newcomer, product: "85123A", day: CalendarDay(iso: "2011-02-16")!, quantity: 1),
        ])
        #expect(refreshed.run.id == loaded.run.id, "no refit")
        #expect(refreshed.history(of: regular) == expected.history(of: regular))
        #expect(refreshed.knows(newcomer))
        for customer in [regular, newcomer] {
            #expect(refreshed.recommend(customer: customer, k: 10) == expected.recommend(customer: customer, k: 10))
        }
        #expect(Set(refreshed.recommend(customer: regular, k: 10).map(\.product)).isDisjoint(with: bought))
    }

    @Test func coldCustomersGetThePopularAndUnsoldProductsTheirTextNeighbours() async throws {
        let store = try await Self.retailStore()
        _ = try await store.upsertProducts([Product(id: "NEW-HEART", title: "RED HANGING HEART T-LIGHT HOLDER", price: 3)])
        let loaded = try await RecommendWorkflow(store: store).fitAndSave(.bpr)

        // A customer with no product lines: the most bought products, most bought first.
        let cold = loaded.recommend(customer: CustomerID("nobody"), k: 5)
        let counts = loaded.fitted.popularity.userCounts
        let best = counts.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(5).map { loaded.products.ids[$0] }
        #expect(cold.map(\.product) == best)
        #expect(cold.allSatisfy { $0.reason == "popular with our customers" })

        // A product nobody bought: products whose texts share its words, never itself.
        let similar = try loaded.similar(product: "NEW-HEART", k: 5)
        #expect(similar.count == 5)
        #expect(similar.allSatisfy { $0.product != "NEW-HEART" && $0.reason == "described like RED HANGING HEART T-LIGHT HOLDER" })
        #expect(similar.allSatisfy { ($0.title ?? "").contains("HEART") || ($0.title ?? "").contains("T-LIGHT") })
        #expect(similar.first?.product == "85123A" || similar.first?.title?.contains("HANGING HEART") == true)
        #expect(throws: RecommendWorkflowError.unknownProduct("NOWHERE")) { _ = try loaded.similar(product: "NOWHERE", k: 5) }
    }

    @Test func filtersKeepOnlyTheProductsAsked() async throws {
        let loaded = try await RecommendWorkflow(store: try await Self.retailStore()).fitAndSave(.itemKNN)
        let customer = Self.regular(loaded)
        let cheap = loaded.recommend(customer: customer, k: 10, filter: ProductFilter(maximumPrice: 1))
        #expect(!cheap.isEmpty)
        #expect(cheap.allSatisfy { (loaded.catalogue[$0.product]?.price ?? .infinity) <= 1 })
        let unfiltered = loaded.recommend(customer: customer, k: 10)
        #expect(unfiltered.contains { (loaded.catalogue[$0.product]?.price ?? 0) > 1 }, "the filter had something to remove")
        let only = Set(unfiltered.suffix(3).map(\.product))
        #expect(Set(loaded.recommend(customer: customer, k: 10, filter: ProductFilter(products: only)).map(\.product)) == only)
        #expect(loaded.recommend(customer: customer, k: 10, filter: ProductFilter(categories: ["none"])).isEmpty, "Online Retail has no categories")
        let owned = Set(loaded.history(of: customer).indices.map { loaded.products.ids[Int($0)] })
        #expect(!unfiltered.contains { owned.contains($0.product) })
        #expect(loaded.recommend(customer: customer, k: 100, allowRepurchase: true).contains { owned.contains($0.product) })
    }

    @Test func theHybridChoosesItsWeightOnTheLastMonthsOfTraining() async throws {
        let store = try await Self.retailStore()
        let loaded = try await RecommendWorkflow(store: store).fitAndSave(.hybrid)
        let weight = try #require(loaded.hybridWeight)
        #expect(RecommendWorkflow.hybridWeights.contains(weight))
        #expect(RecommendWorkflow.contentWeights.contains(try #require(loaded.contentWeight)))
        // Two months of orders: the weight is chosen on the last third, January 11 on.
        #expect((loaded.fitted.hybridValidationRecall ?? -1) > 0)
        #expect(loaded.fitted.als != nil)
        let customer = Self.regular(loaded)
        #expect(loaded.recommend(customer: customer, k: 10).count == 10)
        let metrics = try await RecommendWorkflow(store: store).evaluate(splitDate: CalendarDay(iso: "2011-01-01")!, k: 10, models: [.hybrid, .popularity])
        #expect(metrics.map(\.0) == [.hybrid, .popularity])
        #expect(metrics.allSatisfy { $0.1.users > 100 })
        #expect(metrics[0].1.recall > metrics[1].1.recall, "the blend of two collaborative models beats popularity")
    }
}

extension RecommendWorkflowTests {
    @Test func evaluationSplitsByCLVTierAndReranks() async throws {
        let workflow = RecommendWorkflow(store: try await Self.retailStore())
        let split = CalendarDay(iso: "2011-01-01")!
        let plain = try await workflow.evaluateByTier(splitDate: split, k: 10, models: [.als, .popularity])
        #expect(plain.tiersMissing == nil)
        for evaluation in plain.evaluations {
            // Every evaluated customer is in exactly one tier, so the tiers' customer-weighted means are the overall.
            #expect(evaluation.tiers.map(\.tier) == ["platinum", "gold", "silver", "bronze"].filter { t in evaluation.tiers.contains { $0.tier == t } })
            #expect(evaluation.tiers.map(\.metrics.users).reduce(0, +) == evaluation.overall.users)
            let weighted = evaluation.tiers.map { Double($0.metrics.users) * $0.metrics.recall }.reduce(0, +) / Double(evaluation.overall.users)
            #expect(abs(weighted - evaluation.overall.recall) < 1e-9)
        }
        #expect(try await workflow.evaluate(splitDate: split, k: 10, models: [.als]).first?.1 == plain.evaluations[0].overall)

        for mode in CLVReranking.allCases {
            let reranked = try await workflow.evaluateByTier(splitDate: split, k: 10, models: [.als], rerank: mode, tiers: false)
            #expect(reranked.evaluations[0].overall.users == plain.evaluations[0].overall.users)
            #expect(reranked.evaluations[0].overall != plain.evaluations[0].overall, "\(mode) changes the lists")
        }
    }

    @Test func rerankingWeighsAsDocumented() {
        // Three products: the model likes 0 best; 2 is the most popular and the dearest.
        let popularity: [Float] = [1, 2, 8]
        let buyers = SparseMatrix(
            rows: 2, columns: 3, entries: [Interaction(user: 0, item: 0), Interaction(user: 1, item: 1), Interaction(user: 1, item: 2)])
        func reweighted(_ mode: CLVReranking, alive: Double?) -> [Float] {
            let inputs = mode.inputs(prices: [1, 4, 16], buyers: buyers, probabilityAlive: [0.2, 0.9], popularity: popularity)
            var scores: [Float] = [4, 2, 1]
            scores.withUnsafeMutableBufferPointer { inputs.apply(to: $0, probabilityAlive: alive) }
            return scores
        }
        // margin: score / best × √(price / median price 4).
        #expect(reweighted(.margin, alive: nil) == [0.5, 0.5, 0.5])
        // alive: score / best × the mean P(alive) of each product's buyers.
        let alive = reweighted(.alive, alive: nil)
        #expect(abs(alive[0] - 0.2) < 1e-6 && abs(alive[1] - 0.45) < 1e-6 && abs(alive[2] - 0.225) < 1e-6)
        // retention: an active customer keeps the model's order, a lost one gets popularity's.
        #expect(reweighted(.retention, alive: 1) == [1, 0.5, 0.25])
        #expect(reweighted(.retention, alive: 0) == [0.125, 0.25, 1])
    }
}

/// Collects notices from a workflow (which may call from any task).
final class NoticeLog: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    var add: @Sendable (String) -> Void { { line in self.storage.withLock { $0.append(line) } } }
}

extension RecommendWorkflowTests {
    @Test func aLoadedRecommenderRerankedByMarginFavoursDearerProducts() async throws {
        let store = try await Self.retailStore()
        let workflow = RecommendWorkflow(store: store)
        let loaded = try await workflow.fitAndSave(.als)
        let values = try await CustomerValues.fitted(store, asOf: CalendarDay(iso: "2011-01-31")!)
        let customer = Self.regular(loaded)
        func meanPrice(_ list: [RecommendWorkflow.ProductRecommendation]) -> Double {
            list.compactMap { loaded.catalogue[$0.product]?.price }.reduce(0, +) / Double(list.count)
        }
        let plain = loaded.recommend(customer: customer, k: 20)
        let margin = loaded.reranked(.margin, values: values).recommend(customer: customer, k: 20)
        #expect(margin.count == 20 && meanPrice(margin) > meanPrice(plain))
        #expect(loaded.reranked(.margin, values: values).reranked(nil, values: values).recommend(customer: customer, k: 20) == plain)
        // The workflow's one-shot call re-weights the same way (P(alive) through the last order day).
        #expect(try await workflow.recommend(customer: customer, k: 20, rerank: .margin).map(\.product) == margin.map(\.product))
    }
}

extension RecommendWorkflowTests {
    @Test func theContentModelRanksProductsDescribedLikeTheCustomers() async throws {
        let loaded = try await RecommendWorkflow(store: try await Self.retailStore()).fitAndSave(.content)
        let fan = CustomerID("heart-fan")
        let bought = "WHITE HANGING HEART T-LIGHT HOLDER"
        let updated = loaded.updated(with: [ProductPurchase(customer: fan, product: "85123A", day: CalendarDay(iso: "2011-02-01")!, quantity: 1)])
        let list = updated.recommend(customer: fan, k: 5)
        #expect(list.count == 5)
        let words = Set(ProductTextIndex.words(bought))
        #expect(list.allSatisfy { !words.isDisjoint(with: ProductTextIndex.words($0.title ?? "")) }, "\(list.map(\.title))")
        #expect(!list.contains { $0.product == "85123A" })
        // Scores are cosines of unit vectors with a one-product profile: at most 1, best first.
        #expect(list.allSatisfy { $0.score > 0 && $0.score <= 1 + 1e-6 })
        #expect(list.map(\.score) == list.map(\.score).sorted(by: >))
    }
}

extension RecommendWorkflowTests {
    @Test func aCustomerWithoutProductsGetsWhatTheyWroteAboutOnlyWithConsent() async throws {
        let store = try await Self.retailStore()
        let workflow = RecommendWorkflow(store: store)
        _ = try await workflow.fitAndSave(.als)
        let (writer, silent) = (CustomerID("writer"), CustomerID("no-consent"))
        let text = "Looking for a hanging heart for the hallway"
        let at = Date(timeIntervalSince1970: 1_296_000_000)
        _ = try await store.write(
            [
                CLVData.Interaction(key: 1, customer: writer, kind: .search, text: text, product: nil, rating: nil, timestamp: at),
                CLVData.Interaction(key: 2, customer: silent, kind: .search, text: text, product: nil, rating: nil, timestamp: at),
            ], importID: nil, counts: nil)
        #expect(try await store.setConsent(Consent(profiling: true), for: writer, actor: "test"))

        let list = try await workflow.recommend(customer: writer, k: 5)
        #expect(list.count == 5)
        let wrote = list.filter { $0.reason.hasPrefix("like what you wrote about ") }
        #expect(!wrote.isEmpty)
        for item in wrote {
            let word = String(item.reason.dropFirst("like what you wrote about ".count))
            #expect(ProductTextIndex.words(text).contains(word) && ProductTextIndex.words(item.title ?? "").contains(word), "\(item)")
        }
        #expect(list.allSatisfy { $0.reason.hasPrefix("like what you wrote about ") || $0.reason == "popular with our customers" })
        // Without profiling consent the words are not read: the popular list.
        let popular = try await workflow.recommend(customer: silent, k: 5)
        #expect(popular.allSatisfy { $0.reason == "popular with our customers" })
        #expect(popular.map(\.product) != list.map(\.product))
    }
}

extension RecommendWorkflowTests {
    @Test func aColdCustomerGetsWhatIsPopularInTheirCountry() async throws {
        let store = try await Self.retailStore()
        let saved = try await RecommendWorkflow(store: store).fitAndSave(.als)
        var countries = try await store.countries()
        let (british, icelandic) = (CustomerID("uk-newcomer"), CustomerID("is-newcomer"))
        countries[british] = "United Kingdom"
        countries[icelandic] = "Iceland"
        let loaded = LoadedRecommender(
            run: saved.run, fitted: saved.fitted, lines: try await store.productLinesNettingReturns(), catalogue: try await store.products(),
            countries: countries)

        // The products most British customers have, counted by hand.
        var counts: [Int: Int] = [:]
        for (customer, net) in loaded.netQuantities where countries[customer] == "United Kingdom" {
            for (item, quantity) in net where quantity > 0 { counts[Int(item), default: 0] += 1 }
        }
        let expected = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map { loaded.products.ids[$0.key] }
        let list = loaded.recommend(customer: british, k: 5)
        #expect(list.map(\.product) == expected)
        #expect(list.allSatisfy { $0.reason == "popular with customers like you" })
        // Iceland has fewer than 20 customers with products in these two months: the overall list.
        #expect(loaded.netQuantities.keys.filter { countries[$0] == "Iceland" }.count < LoadedRecommender.segmentMinimum)
        #expect(loaded.recommend(customer: icelandic, k: 5).allSatisfy { $0.reason == "popular with our customers" })
    }
}

/// The content model on sentence embeddings of the product texts (all-MiniLM-L6-v2 through the store's cache).
extension RecommendWorkflowTests {
    @Test func theEmbeddingContentModelScoresTheCosineWithWhatTheCustomerHas() async throws {
        let store = try await Self.retailStore()
        let encoder = try SentenceEncoder(directory: ModelDirectory(root: TestData.modelsDirectory))
        let workflow = RecommendWorkflow(store: store, content: .embeddings(CachedEmbedder(model: encoder, cache: store)))
        let loaded = try await workflow.fitAndSave(.content)
        #expect(loaded.fitted.contentEmbedding == encoder.modelName)

        // One product bought: each listed product scores the cosine of its text's embedding with that product's,
        // best first, embedded here straight from the encoder.
        let fan = CustomerID("heart-fan")
        let updated = loaded.updated(with: [ProductPurchase(customer: fan, product: "85123A", day: CalendarDay(iso: "2011-02-01")!, quantity: 1)])
        let list = updated.recommend(customer: fan, k: 5)
        #expect(list.count == 5 && !list.contains { $0.product == "85123A" })
        let texts = Dictionary(try await store.products().map { ($0.id, $0.text) }, uniquingKeysWith: { first, _ in first })
        let vectors = try encoder.embed([texts["85123A"]!!] + list.map { texts[$0.product]!! })
        for (item, vector) in zip(list, vectors.dropFirst()) {
            let cosine = zip(vectors[0], vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(abs(Float(item.score) - cosine) <= 1e-4, "\(item)")
        }
        #expect(zip(list, list.dropFirst()).allSatisfy { $0.score >= $1.score })

        // The run is served only with the embeddings it ranked by.
        await #expect(throws: RecommendWorkflowError.contentModelUnavailable(run: loaded.run.id, embedding: encoder.modelName, have: nil)) {
            _ = try await RecommendWorkflow(store: store, content: .words).loadLatest()
        }
        #expect(try await workflow.loadLatest()?.recommend(customer: CustomerID("12347"), k: 5) == loaded.recommend(customer: CustomerID("12347"), k: 5))

        // A product nobody bought: its neighbours by the cosine of the embeddings.
        _ = try await store.upsertProducts([Product(id: "NEW-CANDLE", title: "ROSE SCENTED PILLAR CANDLE")])
        let reloaded = try #require(try await workflow.loadLatest())
        let similar = try reloaded.similar(product: "NEW-CANDLE", k: 3)
        #expect(similar.count == 3 && similar.allSatisfy { $0.reason == "described like ROSE SCENTED PILLAR CANDLE" })
        let candle = try encoder.embed(["ROSE SCENTED PILLAR CANDLE"] + similar.map { texts[$0.product]!! })
        for (item, vector) in zip(similar, candle.dropFirst()) {
            #expect(abs(Float(item.score) - zip(candle[0], vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }) <= 1e-4, "\(item)")
        }
    }
}
