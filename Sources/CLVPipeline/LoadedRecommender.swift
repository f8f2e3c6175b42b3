import CLVCore
import CLVData
import CLVRecommend
import Foundation

/// A saved recommender read back with everything a request needs: the fitted models, every customer's products
/// and the catalogue's titles, categories, prices and texts. A value: a server keeps one in memory and asks it
/// many times, from any task, without touching the store; ``RecommendWorkflow/loadLatest(model:)`` makes one and
/// ``updated(with:)`` folds in new orders without a refit.
///
/// Customers are scored from their current products (ALS: the exact fold-in; BPR: SGD on the user vector), so
/// someone whose orders arrived after the fit is served on what they have now.
public struct LoadedRecommender: Sendable {
    /// The saved run: its id, model, when it was fitted and the last day of its orders.
    public let run: RecommenderRunRecord
    public let model: RecommendWorkflow.Model
    /// What ranks, what explains, and the fallbacks.
    let fitted: RecommendWorkflow.FittedModels
    let ranking: any Recommender
    let explainers: [any ExplainableRecommender]
    /// The products the models know, by column.
    let products: IndexMap<String>
    /// Every stored product (also ones the models do not know: new to the catalogue), by id.
    let catalogue: [String: Product]
    /// Each customer's net quantity of each known product, returns netted (a product counts as bought while
    /// its net is positive).
    private(set) var netQuantities: [CustomerID: [Int32: Float]]
    /// Product texts, for what a customer without products wrote and for products nobody bought.
    let texts: ProductTextIndex
    /// Product embeddings when the workflow reads texts by embeddings: for products nobody bought.
    let embeddings: ProductEmbeddings?
    /// Each customer's country (also of customers without products), and the products' popularity among the
    /// customers of each country with at least ``segmentMinimum`` of them: the cold start's segments.
    let countries: [CustomerID: String]
    private(set) var segmentPopularity: [String: PopularityModel]
    /// Customers with products a country needs before its own popularity is used.
    public static let segmentMinimum = 20
    /// The CLV re-weighting every list gets, and each customer's P(alive) it reads.
    private(set) var reweighting: (inputs: CLVReranking.Inputs, probabilityAlive: [CustomerID: Double])?

    init(
        run: RecommenderRunRecord, fitted: RecommendWorkflow.FittedModels, lines: [ProductPurchase], catalogue: [Product],
        embeddings: ProductEmbeddings? = nil, countries: [CustomerID: String] = [:]
    ) {
        self.run = run
        self.model = fitted.model
        self.fitted = fitted
        let texts = ProductTextIndex(catalogue)
        self.texts = texts
        self.embeddings = embeddings
        // The content model the run's weights were chosen with.
        let content: any Recommender =
            if fitted.contentEmbedding != nil, let embeddings {
                EmbeddingContentRecommender(embeddings, products: fitted.products)
            } else {
                ContentRecommender(texts, products: fitted.products)
            }
        self.ranking = fitted.servingRecommender(content: content)
        self.explainers = fitted.servingExplainers()
        self.products = IndexMap(fitted.products)
        self.catalogue = Dictionary(catalogue.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.netQuantities = [:]
        self.countries = countries
        self.segmentPopularity = [:]
        add(lines)
        var counts: [String: (customers: Int, products: [Float])] = [:]
        for (customer, net) in netQuantities {
            guard let country = countries[customer] else { continue }
            var entry = counts[country] ?? (0, [Float](repeating: 0, count: products.count))
            entry.customers += 1
            for (item, quantity) in net where quantity > 0 { entry.products[Int(item)] += 1 }
            counts[country] = entry
        }
        segmentPopularity = counts.filter { $0.value.customers >= Self.segmentMinimum }.mapValues { PopularityModel(userCounts: $0.products) }
    }

    /// Customers with at least one product bought.
    public var customerCount: Int { netQuantities.values.count { $0.values.contains { $0 > 0 } } }

    /// ALS's weight in a hybrid run (item-kNN has the rest); nil for the other models.
    public var hybridWeight: Float? { fitted.hybridWeight }

    /// The content model's weight beside ALS and item-kNN in a hybrid run; nil for the other models.
    public var contentWeight: Float? { fitted.contentWeight }

    /// Products the models rank.
    public var productCount: Int { products.count }

    /// Whether the customer has bought a product the models know (otherwise they get the cold-start list).
    public func knows(_ customer: CustomerID) -> Bool { !history(of: customer).indices.isEmpty }

    /// The same recommender with `lines` (new order lines; returns have negative quantities) added to the
    /// customers' products, without a refit: changed customers are folded in on their next request. Lines of
    /// products the models do not know are left out until the next `clv recommend fit`.
    public func updated(with lines: [ProductPurchase]) -> LoadedRecommender {
        var copy = self
        copy.add(lines)
        return copy
    }

    /// The same recommender with every list re-weighted by CLV (``CLVReranking``), reading the customers'
    /// P(alive) from `values`; nil removes the re-weighting.
    public func reranked(_ mode: CLVReranking?, values: CustomerValues) -> LoadedRecommender {
        var copy = self
        guard let mode else {
            copy.reweighting = nil
            return copy
        }
        let customers = Array(netQuantities.keys)
        var entries: [CLVRecommend.Interaction] = []
        for (row, customer) in customers.enumerated() {
            for (item, net) in netQuantities[customer]! where net > 0 { entries.append(CLVRecommend.Interaction(user: row, item: Int(item))) }
        }
        let buyers = SparseMatrix(rows: customers.count, columns: products.count, entries: entries)
        let prices = products.ids.map { catalogue[$0]?.price }
        let inputs = mode.inputs(
            prices: prices, buyers: buyers, probabilityAlive: customers.map { values.probabilityAlive[$0] }, popularity: fitted.popularity.userCounts)
        copy.reweighting = (inputs, values.probabilityAlive)
        return copy
    }

    private mutating func add(_ lines: [ProductPurchase]) {
        for line in lines {
            guard let item = products.index(of: line.product) else { continue }
            netQuantities[line.customer, default: [:]][Int32(item), default: 0] += Float(line.quantity)
        }
    }

    /// The products the customer has (net quantity above zero), each counted once.
    func history(of customer: CustomerID) -> SparseVector {
        guard let net = netQuantities[customer] else { return SparseVector(indices: [], values: []) }
        let owned = net.compactMap { $0.value > 0 ? $0.key : nil }.sorted()
        return SparseVector(indices: ArraySlice(owned), values: ArraySlice(repeating: 1, count: owned.count))
    }

    /// The `k` best products for a customer, with titles, scores and the reason for each.
    ///
    /// A customer without products (new, or never seen by this run) gets the products described most like what
    /// they wrote, then the most popular products.
    /// - Parameters:
    ///   - allowRepurchase: keep products the customer already has (replenishment).
    ///   - filter: only products of these categories, in this price range or in this set.
    ///   - wrote: what the customer wrote (stored, so redacted, interaction texts; pass them only with the
    ///     customer's profiling consent), read only when they have no products.
    public func recommend(
        customer: CustomerID, k: Int, allowRepurchase: Bool = false, filter: ProductFilter = ProductFilter(), wrote: [String] = []
    ) -> [RecommendWorkflow.ProductRecommendation] {
        let history = history(of: customer)
        let itemFilter = ItemFilter(allowRepurchase: allowRepurchase, predicate: itemPredicate(filter))
        guard !history.indices.isEmpty else {
            var list: [RecommendWorkflow.ProductRecommendation] = []
            if !wrote.isEmpty {
                let admitted: ((String) -> Bool)? = filter.isEmpty ? nil : { id in filter.admits(catalogue[id] ?? Product(id: id)) }
                for match in texts.nearest(to: wrote.joined(separator: "\n"), among: products, count: k, admitting: admitted) {
                    list.append(recommendation(products.index(of: match.product)!, score: match.score, reason: "like what you wrote about \(match.word)"))
                }
            }
            let taken = Set(list.map(\.product))
            // Popular in the customer's country when enough customers there bought, else overall.
            let (popularity, reason) =
                if let segment = countries[customer].flatMap({ segmentPopularity[$0] }) {
                    (segment, "popular with customers like you")
                } else {
                    (fitted.popularity, "popular with our customers")
                }
            let popular = popularity.recommend(user: -1, history: history, k: k + taken.count, filter: itemFilter)
            for item in popular where list.count < k && !taken.contains(products.ids[item.item]) {
                list.append(recommendation(item.item, score: item.score, reason: reason))
            }
            return list
        }
        let ranker: any Recommender =
            if let reweighting {
                ReweightedRecommender(base: ranking, inputs: reweighting.inputs, probabilityAlive: [reweighting.probabilityAlive[customer]])
            } else {
                ranking
            }
        // User 0 is this customer for the re-weighting (the models fold everyone in, whatever the index).
        let top = ranker.recommend(user: reweighting == nil ? -1 : 0, history: history, k: k, filter: itemFilter)
        return top.map { item in
            let reason: String
            if let source = explainers.lazy.compactMap({ $0.explain(user: -1, history: history, item: item.item, count: 1).first }).first(where: {
                $0.contribution > 0
            }) {
                reason = "bought with \(title(of: source.item))"
            } else if history.indices.contains(Int32(item.item)) {
                reason = "you bought it before"
            } else {
                reason = "popular with customers like you"
            }
            return recommendation(item.item, score: item.score, reason: reason)
        }
    }

    /// The `k` products most often bought by the same customers as `product` (item-kNN, cosine); for a product
    /// in the catalogue that nobody bought, the products described most alike (embeddings' cosine, or shared
    /// words without embeddings).
    /// - Throws: ``RecommendWorkflowError/unknownProduct(_:)`` for a product neither bought nor in the catalogue.
    public func similar(product: String, k: Int) throws(RecommendWorkflowError) -> [RecommendWorkflow.ProductRecommendation] {
        if let item = products.index(of: product) {
            let name = title(of: item)
            return fitted.itemKNN.similarItems(to: item, count: k).map { s in
                recommendation(s.item, score: s.score, reason: "bought by customers who bought \(name)")
            }
        }
        guard let stored = catalogue[product], let text = stored.text else { throw .unknownProduct(product) }
        if let embeddings {
            return embeddings.nearest(to: product, among: products, count: k, admitting: { $0 != product }).map { match in
                recommendation(products.index(of: match.product)!, score: match.score, reason: "described like \(stored.title ?? product)")
            }
        }
        return texts.nearest(to: text, among: products, count: k, admitting: { $0 != product }).map { match in
            recommendation(products.index(of: match.product)!, score: match.score, reason: "described like \(stored.title ?? product)")
        }
    }

    private func title(of item: Int) -> String {
        let id = products.ids[item]
        return catalogue[id]?.title ?? id
    }

    private func recommendation(_ item: Int, score: Float, reason: String) -> RecommendWorkflow.ProductRecommendation {
        let id = products.ids[item]
        return RecommendWorkflow.ProductRecommendation(product: id, title: catalogue[id]?.title, score: Double(score), reason: reason)
    }

    private func itemPredicate(_ filter: ProductFilter) -> (@Sendable (Int) -> Bool)? {
        guard !filter.isEmpty else { return nil }
        let ids = products.ids
        let catalogue = catalogue
        return { item in filter.admits(catalogue[ids[item]] ?? Product(id: ids[item])) }
    }
}

/// Which products a recommendation may hold: categories, a price range, a set (in stock, a campaign's). Empty
/// admits every product; a product without the field a filter reads (no category, no price) is left out.
public struct ProductFilter: Sendable, Equatable {
    public var categories: Set<String>?
    public var minimumPrice: Double?
    public var maximumPrice: Double?
    public var products: Set<String>?

    public init(categories: Set<String>? = nil, minimumPrice: Double? = nil, maximumPrice: Double? = nil, products: Set<String>? = nil) {
        self.categories = categories
        self.minimumPrice = minimumPrice
        self.maximumPrice = maximumPrice
        self.products = products
    }

    public var isEmpty: Bool { categories == nil && minimumPrice == nil && maximumPrice == nil && products == nil }

    public func admits(_ product: Product) -> Bool {
        if let products, !products.contains(product.id) { return false }
        if let categories {
            guard let category = product.category, categories.contains(category) else { return false }
        }
        if minimumPrice != nil || maximumPrice != nil {
            guard let price = product.price else { return false }
            if let minimumPrice, price < minimumPrice { return false }
            if let maximumPrice, price > maximumPrice { return false }
        }
        return true
    }
}

/// TF-IDF vectors of the catalogue's product texts (title and description, lowercased words of two letters or
/// more), for the one case collaborative filtering cannot serve: a product nobody has bought yet.
struct ProductTextIndex: Sendable {
    private let idf: [String: Float]
    /// Each product's unit TF-IDF vector, by product id.
    let vectors: [String: [String: Float]]

    init(_ catalogue: [Product]) {
        let words = catalogue.compactMap { product in product.text.map { (product.id, Self.words($0)) } }
        var documents: [String: Int] = [:]
        for (_, w) in words { for word in Set(w) { documents[word, default: 0] += 1 } }
        let n = Float(max(1, words.count))
        let idf = documents.mapValues { logf(n / Float($0)) + 1 }
        self.idf = idf
        self.vectors = Dictionary(words.map { ($0.0, Self.vector($0.1, idf: idf)) }, uniquingKeysWith: { first, _ in first })
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count >= 2 }
    }

    /// Term frequency × idf, unit length; words the catalogue never used weigh nothing.
    static func vector(_ words: [String], idf: [String: Float]) -> [String: Float] {
        var v: [String: Float] = [:]
        for word in words { if let weight = idf[word] { v[word, default: 0] += weight } }
        let norm = v.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.mapValues { $0 / norm } : [:]
    }

    /// The `count` products among `candidates` (that `admitting` admits) whose texts have the largest cosine
    /// with `text`, best first, each with the shared word that adds most to it; products sharing no word are
    /// left out.
    func nearest(
        to text: String, among candidates: IndexMap<String>, count: Int, admitting: ((String) -> Bool)? = nil
    ) -> [(product: String, score: Float, word: String)] {
        let query = Self.vector(Self.words(text), idf: idf)
        guard !query.isEmpty else { return [] }
        var scored: [(product: String, score: Float, word: String)] = []
        for id in candidates.ids where admitting?(id) ?? true {
            guard let v = vectors[id] else { continue }
            var s: Float = 0
            var best: (word: String, part: Float) = ("", 0)
            for (word, weight) in query {
                let part = weight * (v[word] ?? 0)
                s += part
                if part > best.part || (part == best.part && part > 0 && word < best.word) { best = (word, part) }
            }
            if s > 0 { scored.append((id, s, best.word)) }
        }
        return Array(scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.product < $1.product }.prefix(count))
    }
}

/// Content-based recommendations: a customer's profile is the sum of the TF-IDF vectors of the products they have
/// (their own words, were they kept, would add to the same vector), and a product scores the dot product of its
/// unit vector with the profile. Reads the catalogue's texts only, so it also ranks products nobody has bought.
struct ContentRecommender: Recommender {
    let itemCount: Int
    /// Per product column: its words (by index) and their weights.
    private let itemWords: [[(word: Int32, weight: Float)]]
    /// Per word: the products that use it and its weight in each.
    private let wordItems: [[(item: Int32, weight: Float)]]

    init(_ texts: ProductTextIndex, products: [String]) {
        var vocabulary: [String: Int32] = [:]
        var itemWords: [[(word: Int32, weight: Float)]] = []
        var wordItems: [[(item: Int32, weight: Float)]] = []
        for (item, id) in products.enumerated() {
            var words: [(word: Int32, weight: Float)] = []
            for (word, weight) in (texts.vectors[id] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let index: Int32
                if let known = vocabulary[word] {
                    index = known
                } else {
                    index = Int32(wordItems.count)
                    vocabulary[word] = index
                    wordItems.append([])
                }
                words.append((index, weight))
                wordItems[Int(index)].append((Int32(item), weight))
            }
            itemWords.append(words)
        }
        self.itemCount = products.count
        self.itemWords = itemWords
        self.wordItems = wordItems
    }

    func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<scores.count { scores[i] = 0 }
        var profile: [Int32: Float] = [:]
        for (item, value) in history.entries where item < itemCount {
            for (word, weight) in itemWords[item] { profile[word, default: 0] += value * weight }
        }
        for (word, weight) in profile {
            for (item, w) in wordItems[Int(word)] { scores[Int(item)] += weight * w }
        }
    }
}
