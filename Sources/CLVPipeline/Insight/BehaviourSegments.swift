import CLVCore
import CLVData
import CLVInsight
import CLVModels
import Foundation

/// K-means segments over what customers did and are predicted to do, beside the rule-based RFM segments.
public struct BehaviourSegments: Sendable {
    /// The features, in column order; skewed amounts enter as log(1 + x).
    public static let features = ["frequency", "recency", "T", "log monetary", "log expected purchases", "P(alive)", "log CLV"]

    /// One segment, described by its members.
    public struct Segment: Sendable, Codable, Equatable {
        public var id: Int
        public var name: String
        public var customers: Int
        public var shareOfCustomers: Double
        public var shareOfCLV: Double
        public var meanProbabilityAlive: Double
        public var meanCLV: Double
        public var meanFrequency: Double
        public var meanRecency: Double
        public var meanMonetary: Double
        /// Topics nearest the mean interest vector of the segment's consenting customers.
        public var topInterests: [Interest]?
    }

    public var segments: [Segment]
    /// Segment index of each customer, in the population's order.
    public var assignments: [Int]
    public var silhouette: Double?
    public var inertia: Double

    /// Principal components of the interest vectors that join the features.
    public static let interestComponents = 5

    /// Clusters the population (k chosen by silhouette over 2...8 unless given) on standardised features; segments
    /// are numbered by mean CLV, highest first.
    /// - Parameters:
    ///   - interests: consenting customers' interest vectors; their first principal components join the features
    ///     (a customer without one sits at the mean), and each segment is described by its nearest topics.
    ///   - topics: what segments' interests are named by.
    public init(
        _ population: Population, k: Int?, interests: [CustomerID: [Float]] = [:], topics: InsightWorkflow.TopicReport? = nil, seed: UInt64 = 0
    ) throws(InsightError) {
        let pca = interests.count > Self.interestComponents ? try PrincipalComponents(fitting: Array(interests.values), count: Self.interestComponents) : nil
        let rows = population.customers.map { c -> [Double] in
            let projected = pca.map { pca in interests[c.row.customer].map(pca.project) ?? Array(repeating: 0, count: pca.components.count) } ?? []
            return [
                Double(c.row.frequency), c.row.recency, c.row.age, log1p(max(0, c.row.monetaryValue)), log1p(max(0, c.score.expectedPurchases)),
                c.score.probabilityAlive, log1p(max(0, c.value)),
            ] + projected
        }
        let x = try Standardizer(fitting: FeatureMatrix(rowVectors: rows)).transform(FeatureMatrix(rowVectors: rows))
        let result: KMeansResult
        var silhouette: Double?
        if let k {
            result = try KMeans(clusterCount: k).fit(x, seed: seed)
            silhouette = try? Silhouette().score(x, assignments: result.assignments, seed: seed)
        } else {
            let selection = try KMeans(clusterCount: 2).chooseK(in: 2...min(8, max(2, rows.count - 1)), for: x, seed: seed)
            result = selection.best
            silhouette = selection.candidates.first { $0.k == selection.k }?.silhouette
        }
        let customers = population.customers
        let totalCLV = customers.reduce(0) { $0 + $1.value }
        var members = Array(repeating: [Int](), count: result.clusterCount)
        for (i, cluster) in result.assignments.enumerated() { members[cluster].append(i) }
        func mean(_ indices: [Int], _ f: (ScoredCustomer) -> Double) -> Double {
            indices.isEmpty ? 0 : indices.reduce(0) { $0 + f(customers[$1]) } / Double(indices.count)
        }
        let order = members.indices.sorted { mean(members[$0], \.value) > mean(members[$1], \.value) }
        let allFrequency = mean(Array(customers.indices)) { Double($0.row.frequency) }
        var renumber = Array(repeating: 0, count: members.count)
        for (rank, cluster) in order.enumerated() { renumber[cluster] = rank }
        segments = order.enumerated().map { rank, cluster in
            let m = members[cluster]
            let alive = mean(m, \.score.probabilityAlive)
            let frequency = mean(m) { Double($0.row.frequency) }
            // A plain-words name from the segment's means against the population's.
            let name =
                if frequency < 0.5 { "one-time buyers" } else if alive < 0.5 { "fading" } else if rank == 0 { "top spenders" } else if frequency > allFrequency
                {
                    "regulars"
                } else { "occasional" }
            return Segment(
                id: rank + 1, name: "k\(rank + 1) \(name)", customers: m.count, shareOfCustomers: Double(m.count) / Double(max(1, customers.count)),
                shareOfCLV: totalCLV > 0 ? m.reduce(0) { $0 + customers[$1].value } / totalCLV : 0, meanProbabilityAlive: alive,
                meanCLV: mean(m, \.value), meanFrequency: frequency, meanRecency: mean(m, \.row.recency),
                meanMonetary: mean(m, \.row.monetaryValue),
                topInterests: topics.flatMap { Self.interests(of: m.map { customers[$0].row.customer }, interests, $0) })
        }
        assignments = result.assignments.map { renumber[$0] }
        self.silhouette = silhouette
        inertia = result.inertia
    }

    /// The topics nearest the mean interest of `members` who have one.
    static func interests(of members: [CustomerID], _ interests: [CustomerID: [Float]], _ topics: InsightWorkflow.TopicReport) -> [Interest]? {
        let vectors = members.compactMap { interests[$0] }
        guard let first = vectors.first else { return nil }
        var sum = [Float](repeating: 0, count: first.count)
        for v in vectors { for j in sum.indices { sum[j] += v[j] } }
        return InsightWorkflow.interests(InsightWorkflow.normalised(sum), topics: topics)
    }
}
