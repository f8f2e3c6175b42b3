/// How well predicted values rank and match what customers did in the holdout period, in the measures the ZILN
/// paper reports (Wang, Liu & Miao 2019, section 4.2: normalized Gini, decile MAPE) and the usual errors.
public struct LiftMetrics: Sendable, Equatable, Codable {
    /// Gini of the predictions over Gini of the perfect ranking (1 = perfect order, 0 = random).
    public let normalizedGini: Double
    /// Spearman's rank correlation of predicted and actual (average ranks for ties).
    public let spearman: Double
    public let meanAbsoluteError: Double
    public let rootMeanSquaredError: Double
    /// Mean of |mean predicted − mean actual| / mean actual over the ten prediction deciles.
    public let decileMAPE: Double
    /// Ten rows, highest predictions first.
    public let deciles: [Decile]
    /// Area under the ROC curve of P(buys again) against whether the customer bought; nil without a probability.
    public let auc: Double?

    public struct Decile: Sendable, Equatable, Codable {
        public let decile: Int
        public let customers: Int
        public let meanPredicted: Double
        public let meanActual: Double
    }

    /// - Parameters:
    ///   - predicted: predicted value per customer.
    ///   - actual: the holdout value per customer.
    ///   - probability: predicted P(buys again) per customer, for the AUC.
    /// - Precondition: equal, non-zero lengths.
    public init(predicted: [Double], actual: [Double], probability: [Double]? = nil) {
        precondition(!predicted.isEmpty && predicted.count == actual.count && (probability?.count ?? actual.count) == actual.count, "LiftMetrics: lengths")
        let n = Double(actual.count)
        normalizedGini = Self.gini(actual, predicted) / Self.gini(actual, actual)
        spearman = Self.pearson(Self.ranks(predicted), Self.ranks(actual))
        meanAbsoluteError = zip(predicted, actual).reduce(0) { $0 + abs($1.0 - $1.1) } / n
        rootMeanSquaredError = (zip(predicted, actual).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n).squareRoot()
        let order = predicted.indices.sorted { predicted[$0] != predicted[$1] ? predicted[$0] > predicted[$1] : $0 < $1 }
        var deciles: [Decile] = []
        for d in 0..<10 {
            let slice = order[(d * order.count / 10)..<((d + 1) * order.count / 10)]
            guard !slice.isEmpty else { continue }
            let c = Double(slice.count)
            deciles.append(
                Decile(
                    decile: d + 1, customers: slice.count, meanPredicted: slice.reduce(0) { $0 + predicted[$1] } / c,
                    meanActual: slice.reduce(0) { $0 + actual[$1] } / c))
        }
        self.deciles = deciles
        let withSpend = deciles.filter { $0.meanActual > 0 }
        decileMAPE = withSpend.reduce(0) { $0 + abs($1.meanPredicted - $1.meanActual) / $1.meanActual } / Double(max(withSpend.count, 1))
        auc = probability.map { Self.auc($0, actual.map { $0 > 0 }) }
    }

    /// The Gini of `actual` ordered by `score`, highest first (ties in input order), as Kaggle's normalized-Gini
    /// metric computes it: the mean cumulative share of the total minus that of a random order.
    static func gini(_ actual: [Double], _ score: [Double]) -> Double {
        let order = score.indices.sorted { score[$0] != score[$1] ? score[$0] > score[$1] : $0 < $1 }
        let total = actual.reduce(0, +)
        guard total > 0 else { return 0 }
        var cumulative = 0.0, sum = 0.0
        for i in order {
            cumulative += actual[i]
            sum += cumulative / total
        }
        let n = Double(actual.count)
        return (sum - (n + 1) / 2) / n
    }

    /// 1-based ranks, ties sharing their average rank.
    static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, x[order[end + 1]] == x[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = average }
            start = end + 1
        }
        return ranks
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }

    /// The Mann–Whitney form of the AUC: P(score of a random positive > that of a random negative), ties ½.
    static func auc(_ score: [Double], _ positive: [Bool]) -> Double {
        let r = ranks(score)
        let np = Double(positive.filter { $0 }.count), nn = Double(positive.count) - np
        guard np > 0, nn > 0 else { return 0.5 }
        let rankSum = zip(r, positive).reduce(0) { $1.1 ? $0 + $1.0 : $0 }
        return (rankSum - np * (np + 1) / 2) / (np * nn)
    }
}
