import CLVCore
import CLVModels
import CLVTestSupport
import Foundation

/// Shared data for the model tests: the CDNOW calibration summary (lifetimes 0.11.3
/// `cdnow_customers_summary_with_transactions.csv`, the published Fader–Hardie–Lee 2005 summary, weeks) and the
/// donations panel (lifetimes `donations.csv`, Fader, Hardie & Shang 2010).
enum Fixtures {
    struct CDNOWCustomer {
        var id: Int
        var summary: CustomerSummary
        var meanSpend: Double
    }

    static func cdnowCustomers() throws -> [CDNOWCustomer] {
        let text = try String(contentsOf: TestData.cdnow("cdnow_customers_summary_with_transactions.csv"), encoding: .utf8)
        var out: [CDNOWCustomer] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").map { String($0) }
            guard f.count >= 5, let id = Int(f[0]), let x = Int(f[1]), let tx = Double(f[2]), let t = Double(f[3]), let z = Double(f[4]) else { continue }
            out.append(CDNOWCustomer(id: id, summary: try CustomerSummary(frequency: x, recency: tx, age: t), meanSpend: z))
        }
        return out
    }

    static func cdnowSummaries() throws -> [CustomerSummary] { try cdnowCustomers().map(\.summary) }

    /// Donations: (frequency, recency, periods) with counts.
    static func donations() throws -> (customers: [CustomerSummary], weights: [Double]) {
        let text = try String(contentsOf: TestData.cdnow("donations.csv"), encoding: .utf8)
        var customers: [CustomerSummary] = [], weights: [Double] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").compactMap { Double($0) }
            guard f.count == 4 else { continue }
            customers.append(try CustomerSummary(frequency: Int(f[0]), recency: f[1], age: f[2]))
            weights.append(f[3])
        }
        return (customers, weights)
    }

    /// CDNOW sample transactions: (customer index, days since 1997-01-01) for every order line.
    static func cdnowTransactions() throws -> [(customer: Int, day: Int)] {
        let text = try String(contentsOf: TestData.cdnow("CDNOW_sample.txt"), encoding: .utf8)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let origin = calendar.date(from: DateComponents(year: 1997, month: 1, day: 1))!
        var out: [(Int, Int)] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 3, let id = Int(f[1]), let ymd = Int(f[2]) else { continue }
            let date = calendar.date(from: DateComponents(year: ymd / 10000, month: ymd / 100 % 100, day: ymd % 100))!
            let day = calendar.dateComponents([.day], from: origin, to: date).day!
            out.append((id, day))
        }
        return out
    }

    /// Holdout repeat purchases per customer (by the summary's ID, which is the sample's customer index):
    /// distinct purchase days from 1997-10-01 (day 273) through 1998-06-30 (day 545).
    static func cdnowHoldoutCounts() throws -> [Int: Int] {
        var days: [Int: Set<Int>] = [:]
        for (c, d) in try cdnowTransactions() where d >= 273 && d <= 545 { days[c, default: []].insert(d) }
        return days.mapValues(\.count)
    }
}
