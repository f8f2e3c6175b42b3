import CLVTestSupport
import Foundation
import Testing

/// `clv simulate --output orders` with spend and products: a file `clv ingest` takes whole, with the same purchase
/// dates as without them.
@Suite struct SimulateCommandTests {
    static let process = [
        "simulate", "--model", "bgnbd", "--params", "r=0.7,alpha=4.4136,a=0.7929,b=5", "--customers", "2000",
        "--length", "78", "--cohort", "12", "--output", "orders", "--start", "2010-01-01", "--seed", "5",
    ]

    @Test func ordersWithSpendAndProductsIngestWholeAndKeepThePurchaseDates() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let plain = try clv.run(Self.process)
        #expect(plain.status == 0, "\(plain.stderr)")
        let shop = try clv.run(
            Self.process + ["--spend", "p=6.25,q=3.74,v=15.44", "--products", "300", "--product-skew", "1.2", "--lines-per-order", "2.5", "--timestamps"])
        #expect(shop.status == 0, "\(shop.stderr)")

        let rows = shop.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.first == ["customer_id", "date", "order_id", "product_id", "amount"])
        let lines = rows.dropFirst()
        #expect(lines.allSatisfy { $0.count == 5 && $0[1].count == 19 && $0[3].hasPrefix("P") && Double($0[4])! >= 0.01 })
        // One (customer, day) per order, in order: the plain file's lines.
        var purchases: [String] = [], lastOrder = ""
        for line in lines where line[2] != lastOrder {
            lastOrder = String(line[2])
            purchases.append("\(line[0]),\(line[1].prefix(10))")
        }
        #expect(purchases == plain.stdout.split(separator: "\n").dropFirst().map(String.init))
        #expect(lines.count > Int(Double(purchases.count) * 2.3))

        let file = try folder.write("orders.csv", shop.stdout)
        let ingest = try clv.run([
            "ingest", "orders", file.path, "--customer-col", "customer_id", "--date-col", "date", "--order-col", "order_id", "--product-col",
            "product_id", "--amount-col", "amount", "--db", folder.path("clv.sqlite"), "--format", "json",
        ])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
        #expect(report["imported"] as? Int == lines.count)
        #expect(report["quarantined"] as? Int == 0)
    }

    @Test func orderFileOptionsWithoutAnOrderFileAreRefusedInOneLine() throws {
        let clv = try CLIRunner()
        let summary = try clv.run(Array(Self.process.dropLast(6)) + ["--spend", "p=6.25,q=3.74,v=15.44"])
        #expect(summary.status != 0)
        #expect(summary.stderr.contains("--spend shapes an order file: add --output orders."))
        let unknown = try clv.run(Self.process + ["--spend", "p=6.25,q=3.74,gamma=15.44"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--spend has no parameter 'gamma' (it takes p, q, v)."))
        let linesWithoutProducts = try clv.run(Self.process + ["--lines-per-order", "2"])
        #expect(linesWithoutProducts.stderr.contains("--lines-per-order needs --products"))
    }
}
