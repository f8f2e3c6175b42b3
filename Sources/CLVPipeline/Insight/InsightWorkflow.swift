import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVText
import Foundation

/// Customer insight from their own words, over any store: cohorts, topics, interest vectors, sentiment, profiles
/// and k-means segments. The CLI and the server call these; CLVInsight does the arithmetic.
///
/// Consent rules here, in one place: the texts of a customer without profiling consent are never embedded, never
/// clustered, never scored for sentiment; their profile holds behaviour only.
public struct InsightWorkflow: Sendable {
    public let store: any ServiceStore

    public init(store: some ServiceStore) { self.store = store }

    // MARK: - Cohorts

    /// Retention and revenue by first-purchase period, with the purchase model's expected retention beside it when
    /// a model is given (simulated from its parameters, seeded).
    public func cohorts(period: CohortTable.Period, model: AnyPurchaseModel?, unit: TimeUnit) async throws -> CohortTable {
        let days = try await store.allCustomerDays().map {
            CohortTable.Day(customer: $0.customer, day: $0.day, revenue: $0.purchaseAmount + $0.returnAmount, purchased: $0.purchaseLines > 0)
        }
        guard !days.isEmpty else { throw WorkflowError.noOrders }
        var table = CohortTable(days: days, period: period)
        let periods = table.cohorts.map(\.active.count).max() ?? 0
        if let model, periods > 1 {
            let length = period.days / unit.days
            var rng = SplitMix64(seed: 20_111_209)
            let simulator = PurchaseSimulator(observationEnd: length * Double(periods))
            let simulated: [SimulatedCustomer]? =
                switch model {
                case let .bgnbd(m): simulator.simulate(m.parameters, customers: 20_000, using: &rng)
                case let .pnbd(m): simulator.simulate(m.parameters, customers: 20_000, using: &rng)
                case let .mbgnbd(m): simulator.simulateMBGNBD(m.parameters, customers: 20_000, using: &rng)
                case .bgbb: nil
                }
            table.expectedRetention = simulated.map { CohortTable.expectedRetention(simulated: $0, periodLength: length, periods: periods) }
        }
        return table
    }

    // MARK: - Texts

    /// The interactions of customers who consented to profiling, with words in them.
    public func profilableInteractions() async throws -> [Interaction] {
        let consents = try await store.consents()
        return try await store.interactions(kinds: []).filter { !$0.text.isEmpty && consents[$0.customer]?.profiling == true }
    }

    /// Where topics come from.
    public enum TopicSource: String, Sendable, CaseIterable {
        /// Product titles and descriptions.
        case products
        /// What consenting customers wrote.
        case interactions
    }

    /// The distinct texts of a topic source.
    public func documents(_ source: TopicSource) async throws -> [String] {
        var seen = Set<String>()
        let texts: [String] =
            switch source {
            case .products: try await store.products().compactMap(\.text)
            case .interactions: try await profilableInteractions().map(\.text)
            }
        return texts.filter { seen.insert($0).inserted }
    }

    /// Topics of a source, their quality figures, and each topic's centre in embedding space.
    public struct TopicReport: Sendable {
        public var source: TopicSource
        public var model: TopicModel
        public var documents: [String]
        /// Unit-length mean embedding of each topic's documents (what interests are measured against).
        public var centroids: [[Float]]
        /// Mean embedding of every document: what all interest vectors share, taken out before they are compared.
        public var corpusMean: [Float]
        public var coherence: TopicEvaluation.Coherence
        public var diversity: Double
        public var embedded: CachedEmbedder.Outcome
    }

    /// Clusters a source's texts into topics labelled by class-based TF-IDF.
    /// - Parameter k: the number of topics, or nil to choose it by silhouette.
    public func topics(
        source: TopicSource, k: Int?, embedder: CachedEmbedder, seed: UInt64 = 0, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> TopicReport {
        let documents = try await documents(source)
        guard documents.count >= 4 else { throw WorkflowError.notEnoughTexts(found: documents.count, source: source.rawValue) }
        let outcome = try await embedder.embed(documents, progress: progress)
        var modeler = TopicModeler()
        if let k {
            modeler.topicCount = min(k, documents.count - 1)
        } else {
            modeler.candidateTopicCounts = 5...min(30, max(5, documents.count / 10))
        }
        let model = try modeler.fit(documents: documents, embeddings: outcome.vectors, seed: seed)
        let dimensions = outcome.vectors.first?.count ?? 0
        var sums = Array(repeating: [Float](repeating: 0, count: dimensions), count: model.topics.count)
        for (i, topic) in model.assignments.enumerated() where topic >= 0 && topic < sums.count {
            for j in 0..<dimensions { sums[topic][j] += outcome.vectors[i][j] }
        }
        let terms = model.topics.map { $0.terms.map(\.term) }
        var mean = [Float](repeating: 0, count: dimensions)
        for vector in outcome.vectors { for j in 0..<dimensions { mean[j] += vector[j] / Float(outcome.vectors.count) } }
        return TopicReport(
            source: source, model: model, documents: documents, centroids: sums.map(Self.normalised), corpusMean: mean,
            coherence: TopicEvaluation.npmiCoherence(model, documents: documents), diversity: TopicEvaluation.diversity(topics: terms), embedded: outcome)
    }

    // MARK: - Interests and sentiment

    /// Days over which a text's or a purchase's weight in the interest vector halves.
    public static let interestHalfLifeDays = 180.0

    /// The unit-length, recency-weighted mean of the vectors of what a customer wrote and bought: each weighs
    /// 2^(−age / half-life) on `asOf`. Both profiles and segments compute interests with it.
    static func interestVector(_ items: [(vector: [Float], day: CalendarDay)], asOf: CalendarDay) -> [Float]? {
        guard let first = items.first else { return nil }
        var sum = [Float](repeating: 0, count: first.vector.count)
        for item in items {
            let weight = Float(exp2(-Double(max(0, item.day.days(to: asOf))) / interestHalfLifeDays))
            for (j, x) in item.vector.enumerated() { sum[j] += weight * x }
        }
        return normalised(sum)
    }

    /// Every consenting customer's interest vector (as profiles compute it), embedding each distinct text once.
    public func interestVectors(
        asOf: CalendarDay, embedder: CachedEmbedder, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> (
        vectors: [CustomerID: [Float]], embedded: CachedEmbedder.Outcome
    ) {
        let consents = try await store.consents()
        let products = Dictionary(uniqueKeysWithValues: try await store.products().map { ($0.id, $0) })
        var items: [CustomerID: [(text: String, day: CalendarDay)]] = [:]
        for interaction in try await profilableInteractions() { items[interaction.customer, default: []].append((interaction.text, interaction.day)) }
        for purchase in try await store.productPurchases() where consents[purchase.customer]?.profiling == true {
            if let text = products[purchase.product]?.text { items[purchase.customer, default: []].append((text, purchase.day)) }
        }
        let texts = Array(Set(items.values.flatMap { $0.map(\.text) })).sorted()
        let outcome = try await embedder.embed(texts, progress: progress)
        let vectorOf = Dictionary(uniqueKeysWithValues: zip(texts, outcome.vectors))
        let vectors = items.compactMapValues { list in Self.interestVector(list.map { (vectorOf[$0.text]!, $0.day) }, asOf: asOf) }
        return (vectors, outcome)
    }

    /// The topics nearest an interest vector: cosine similarity after the corpus mean is taken out of both, so
    /// that what sets the customer apart ranks first, not what every customer's mean resembles.
    public static func interests(_ vector: [Float], topics: TopicReport, count: Int = 3) -> [Interest] {
        let own = normalised(zip(vector, topics.corpusMean).map { $0 - $1 })
        return topics.centroids.enumerated().map { i, centroid in
            let direction = normalised(zip(centroid, topics.corpusMean).map { $0 - $1 })
            return Interest(
                topic: topics.model.topics[i].id, terms: topics.model.topics[i].terms.prefix(5).map(\.term), similarity: Double(dot(own, direction)))
        }.sorted { $0.similarity > $1.similarity }.prefix(count).map { $0 }
    }

    static func normalised(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}

/// A topic a customer is drawn to.
public struct Interest: Sendable, Equatable, Codable {
    public var topic: Int
    public var terms: [String]
    /// Cosine similarity of the customer's interest vector and the topic's centre.
    public var similarity: Double
}

/// One interaction's sentiment.
public struct ScoredText: Sendable, Equatable, Codable {
    public var day: CalendarDay
    public var kind: InteractionKind
    public var label: String
    /// P(positive) − P(negative).
    public var score: Double
    public var rating: Double?
}

// MARK: - Profiles

extension InsightWorkflow {
    /// What a profile's text-derived parts are computed with; any part may be missing (then that part is empty).
    public struct TextModels: Sendable {
        public var embedder: CachedEmbedder?
        public var sentiment: EmbeddingClassifier?
        public var topics: TopicReport?

        public init(embedder: CachedEmbedder?, sentiment: EmbeddingClassifier?, topics: TopicReport?) {
            self.embedder = embedder
            self.sentiment = sentiment
            self.topics = topics
        }
    }

    /// The customer's profile: behaviour from `scored` (nil when the customer has no purchase by `asOf`), and with
    /// profiling consent their interests and sentiment.
    /// - Returns: nil when there is no such customer.
    public func profile(
        _ id: CustomerID, scored: ScoredCustomer?, unit: TimeUnit, horizon: Double, asOf: CalendarDay, text: TextModels
    ) async throws -> CustomerProfile? {
        guard let (record, days) = try await store.customerWithDays(id) else { return nil }
        let interactions = try await store.interactions(of: id)
        var profile = CustomerProfile(
            customer: id, asOf: asOf, profilingConsent: record.consent.profiling,
            behaviour: scored.map { CustomerProfile.behaviour(of: $0, days: days, unit: unit, horizon: horizon, asOf: asOf) },
            interactions: Dictionary(grouping: interactions, by: \.kind.rawValue).mapValues(\.count))
        guard record.consent.profiling, let embedder = text.embedder else { return profile }
        // One embedding call for everything the profile reads: the customer's texts and the products they bought.
        let written = interactions.filter { !$0.text.isEmpty }
        let purchases = try await store.productPurchases(of: id)
        let products = try await store.products(ids: Set(purchases.map(\.product)))
        let bought = purchases.compactMap { purchase in products[purchase.product]?.text.map { (text: $0, day: purchase.day) } }
        let vectors = try await embedder.embed(written.map(\.text) + bought.map(\.text)).vectors
        if let topics = text.topics,
            let vector = Self.interestVector(zip(vectors, written.map(\.day) + bought.map(\.day)).map { ($0, $1) }, asOf: asOf)
        {
            profile.interests = Self.interests(vector, topics: topics)
        }
        if let classifier = text.sentiment {
            let scored = try zip(written, vectors).map { interaction, vector in
                let prediction = try classifier.predict(vector)
                return ScoredText(
                    day: interaction.day, kind: interaction.kind, label: prediction.label, score: classifier.sentimentScore(prediction) ?? 0,
                    rating: interaction.rating)
            }
            (profile.sentiment, profile.sentimentTrend) = CustomerProfile.sentimentTimeline(scored)
        }
        return profile
    }
}
