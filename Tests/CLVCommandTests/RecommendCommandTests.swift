import CLVTestSupport
import Foundation
import Testing

/// `clv recommend` on a small Online Retail-format shop with two kinds of customers: each buys from its own shelf.
@Suite struct RecommendCommandTests {
    /// Customers 1001…1010 buy shelf A (products A0…A5), 2001…2010 shelf B, four products each before June and
    /// one more from June on. Customer 1001 also returns all of A3, which nets it out of what they have.
    static func shop(in folder: TemporaryDirectory) throws -> URL {
        var lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
        var invoice = 500_000
        for (shelf, base) in [("A", 1001), ("B", 2001)] {
            for i in 0..<10 {
                let customer = base + i
                for j in 0..<5 {
                    invoice += 1
                    let product = "\(shelf)\((i + j) % 6)"
                    let date = j < 4 ? "2011-0\(1 + j)-10 10:00:00" : "2011-07-01 10:00:00"
                    lines.append("\(invoice),\(product),SHELF \(shelf) ITEM \((i + j) % 6),\(j + 1),\(date),1.25,\(customer),United Kingdom")
                }
            }
        }
        lines.append("C600001,A3,SHELF A ITEM 3,-4,2011-05-01 10:00:00,1.25,1001,United Kingdom")
        return try folder.write("shop.csv", lines.joined(separator: "\n") + "\n")
    }

    /// The shop's orders and products in a new store in `folder`; its path.
    static func shopStore(_ clv: CLIRunner, in folder: TemporaryDirectory) throws -> String {
        let db = folder.path("clv.sqlite")
        let file = try shop(in: folder)
        for kind in ["orders", "products"] {
            let result = try clv.run(["ingest", kind, file.path, "--preset", "online-retail", "--db", db])
            #expect(result.status == 0, "\(result.stderr)")
        }
        return db
    }

    @Test func recommendsFromTheCustomersShelfWithTitlesAndReasons() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        let file = try Self.shop(in: folder)
        let orders = try clv.run(["ingest", "orders", file.path, "--preset", "online-retail", "--db", db])
        #expect(orders.status == 0, "\(orders.stderr)")
        let products = try clv.run(["ingest", "products", file.path, "--preset", "online-retail", "--db", db])
        #expect(products.status == 0, "\(products.stderr)")

        // No run saved yet: the first list fits one, says so on stderr and saves it; the next reads it.
        let result = try clv.run(["recommend", "1002", "--k", "2", "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("No saved als recommender: fitting one"), "\(result.stderr)")
        let again = try clv.run(["recommend", "1002", "--k", "2", "--db", db, "--format", "json"])
        #expect(again.stdout == result.stdout && again.stderr.isEmpty, "\(again.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 2)
        // 1002 bought A1…A5: of shelf A only A0 is new to them; the runner-up comes from either shelf.
        #expect(list.first?["product"] as? String == "A0")
        #expect(list.first?["title"] as? String == "SHELF A ITEM 0")
        let reason = try #require(list.first?["reason"] as? String)
        #expect(reason.hasPrefix("bought with SHELF A ITEM "))

        // 1001 returned all of A3, so A3 counts as not bought and can be recommended.
        let returned = try clv.run(["recommend", "1001", "--k", "3", "--db", db, "--format", "json"])
        let returnedList = try #require(try JSONSerialization.jsonObject(with: Data(returned.stdout.utf8)) as? [[String: Any]])
        #expect(returnedList.compactMap { $0["product"] as? String }.contains("A3"))

        let similar = try clv.run(["recommend", "similar", "B2", "--k", "3", "--db", db, "--format", "json"])
        #expect(similar.status == 0, "\(similar.stderr)")
        let neighbours = try #require(try JSONSerialization.jsonObject(with: Data(similar.stdout.utf8)) as? [[String: Any]])
        #expect(neighbours.count == 3)
        #expect(neighbours.allSatisfy { ($0["product"] as? String)?.hasPrefix("B") == true && $0["product"] as? String != "B2" })

        let evaluation = try clv.run(["recommend", "evaluate", "--split-date", "2011-06-01", "--k", "2", "--db", db, "--format", "json"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as? [String: Any])
        #expect(report["k"] as? Int == 2)
        let models = try #require(report["models"] as? [String: [String: Double]])
        #expect(Set(models.keys) == ["als", "bpr", "item-knn", "popularity", "hybrid", "content"])
        #expect(report["tiers"] is [String: Any])
        for (_, metrics) in models {
            #expect(Set(metrics.keys) == ["precision", "recall", "ndcg", "map", "coverage"])
        }
        // Each customer's July purchase is one of the two products of their shelf they lack, so ALS's top 2 holds
        // it; 1001 lacks three (A3 returned), so may miss: at least 19 of the 20 customers are hits.
        #expect((models["als"]?["recall"] ?? 0) >= 0.95)

        let unknown = try clv.run(["recommend", "999999", "--db", db])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.filter { $0 == "\n" }.count == 1)
        #expect(unknown.stderr.hasPrefix("clv: error: No customer with that id in the database"))
        let badK = try clv.run(["recommend", "1001", "--k", "0", "--db", db])
        #expect(badK.status == 2)
        let badPrices = try clv.run(["recommend", "1001", "--min-price", "5", "--max-price", "1", "--db", db])
        #expect(badPrices.status == 2)
        let badModel = try clv.run(["recommend", "fit", "--model", "svd", "--db", db])
        #expect(badModel.status == 2)
        let badRerank = try clv.run(["recommend", "evaluate", "--split-date", "2011-06-01", "--rerank", "profit", "--db", db])
        #expect(badRerank.status == 2)
        let two = try clv.run([
            "recommend", "evaluate", "--split-date", "2011-06-01", "--model", "als", "--model", "popularity", "--rerank", "alive", "--db", db,
        ])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stdout.contains("als") && two.stdout.contains("popularity") && !two.stdout.contains("hybrid"))
    }

    @Test func aSavedRunServesTheListsOfItsModel() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = try Self.shopStore(clv, in: folder)

        let fit = try clv.run(["recommend", "fit", "--model", "hybrid", "--db", db])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.hasPrefix("Saved recommender run 1: hybrid on 20 customers x 12 products, orders through 2011-07-01; ALS weight "))
        let list = try clv.run(["recommend", "2003", "--k", "1", "--db", db, "--format", "json"])
        #expect(list.status == 0 && list.stderr.isEmpty, "\(list.stderr)")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect((items.first?["product"] as? String)?.hasPrefix("B") == true)
        // Asking for another model's run fits that one (and says so).
        let knn = try clv.run(["recommend", "2003", "--k", "1", "--model", "item-knn", "--db", db])
        #expect(knn.status == 0 && knn.stderr.hasPrefix("No saved item-knn recommender"), "\(knn.stderr)")
        let cheap = try clv.run(["recommend", "2003", "--max-price", "1", "--db", db, "--format", "json"])
        #expect(cheap.status == 0, "\(cheap.stderr)")
        let none = try #require(try JSONSerialization.jsonObject(with: Data(cheap.stdout.utf8)) as? [Any])
        #expect(none.isEmpty, "every product costs 1.25: \(cheap.stdout)")
    }

    /// A content run fitted on embeddings is read back only with the same embeddings, and says how otherwise.
    @Test func aContentRunOnEmbeddingsIsServedWithThem() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = try Self.shopStore(clv, in: folder)
        let fit = try clv.run(["recommend", "fit", "--model", "content", "--content", "embeddings", "--db", db])
        #expect(fit.status == 0, "\(fit.stderr)")
        let words = try clv.run(["recommend", "2003", "--db", db])
        #expect(words.status != 0 && words.stdout.isEmpty)
        #expect(
            words.stderr.contains(
                "ranks with all-MiniLM-L6-v2 product embeddings, but product words are in use: read products with all-MiniLM-L6-v2 (`--content embeddings`)"),
            "\(words.stderr)")
        let list = try clv.run(["recommend", "2003", "--k", "3", "--content", "embeddings", "--db", db, "--format", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 3 && items.allSatisfy { ($0["score"] as? Double ?? 0) > 0 })
        #expect(try clv.run(["recommend", "fit", "--content", "pictures", "--db", db]).stderr.contains("pictures"))
    }
}
