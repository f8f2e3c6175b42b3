import ArgumentParser
import CLVCore
import CLVModels
import Foundation

extension CLV {
    /// `clv simulate`: customers or orders from a model's generative process.
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate customers from the BG/NBD, Pareto/NBD, MBG/NBD or BG/BB generative process.",
            discussion: """
                Example: clv simulate --model bgnbd --params r=0.2426,alpha=4.4136,a=0.7929,b=2.4259 --customers 1000 --length 39
                --output summary prints customer_id,frequency,recency,T; --output orders prints customer_id,date
                (first purchase included), dated from --start with purchases on whole days.

                Order files like a shop's: --spend p=6.25,q=3.74,v=15.44 adds an amount column (each purchase's value
                from the Gamma-Gamma process, split over its lines); --products N adds order_id and product_id columns
                (products drawn with Zipf popularity 1/k^--product-skew, --lines-per-order on average per purchase);
                --timestamps adds a time of day (uniform, to the second). The purchase dates do not depend on these
                options: the same --seed gives the same dates with or without them. Output is streamed.
                """)

        enum Output: String, ExpressibleByArgument, CaseIterable { case summary, orders }

        @Option(help: "Model: bgnbd, pnbd, mbgnbd or bgbb.")
        var model: ModelKind

        @Option(help: "Parameters as name=value pairs, e.g. r=0.24,alpha=4.4,a=0.79,b=2.4.")
        var params: String

        @Option(help: "Number of customers.")
        var customers: Int = 1000

        @Option(help: "Observation window length in --unit (opportunities for bgbb).")
        var length: Double = 39

        @Option(help: "First purchases spread uniformly over this many units at the start (0 = all at time 0).")
        var cohort: Double = 0

        @Option(help: "Time unit: day, week or month.")
        var unit: TimeUnit = .week

        @Option(help: "Random seed.")
        var seed: UInt64 = 42

        @Option(help: "What to print: summary or orders.")
        var output: Output = .summary

        @Option(help: ArgumentHelp("Calendar date of time 0 for --output orders.", valueName: "YYYY-MM-DD"))
        var start: String = "1997-01-01"

        @Option(help: ArgumentHelp("Gamma-Gamma spend parameters p,q,v for an amount column (--output orders).", valueName: "p=…,q=…,v=…"))
        var spend: String?

        @Option(help: "Products in the catalogue, for order_id and product_id columns (--output orders).")
        var products: Int?

        @Option(help: "Zipf exponent s of product popularity (weight 1/k^s; 0: all equally popular).")
        var productSkew: Double = 1

        @Option(help: "Mean order lines per purchase (at least 1; needs --products).")
        var linesPerOrder: Double = 1

        @Flag(help: "Give each order a time of day (date column YYYY-MM-DD HH:MM:SS; --output orders).")
        var timestamps = false

        func validate() throws {
            guard model != .gg else { throw ValidationError("gg is a spend model; simulate bgnbd, pnbd, mbgnbd or bgbb.") }
            guard customers > 0 else { throw ValidationError("--customers must be positive.") }
            guard length > 0, cohort >= 0, cohort < length else { throw ValidationError("Need --length > 0 and 0 ≤ --cohort < --length.") }
            _ = try parameterValues()
            if output != .orders,
                let option = [spend.map { _ in "--spend" }, products.map { _ in "--products" }, timestamps ? "--timestamps" : nil]
                    .compactMap({ $0 }).first
            {
                throw ValidationError("\(option) shapes an order file: add --output orders.")
            }
            _ = try spendParameters()
            if let products, products < 1 { throw ValidationError("--products must be at least 1.") }
            guard productSkew >= 0, productSkew.isFinite else { throw ValidationError("--product-skew must be a number ≥ 0.") }
            guard linesPerOrder >= 1, linesPerOrder.isFinite else { throw ValidationError("--lines-per-order must be at least 1.") }
            if linesPerOrder != 1, products == nil { throw ValidationError("--lines-per-order needs --products (lines of one order differ by product).") }
        }

        func parameterValues() throws -> [Double] {
            let names: [String] =
                switch model {
                case .bgnbd, .mbgnbd, .gg, .learned: BGNBD.Parameters.names
                case .pnbd: ParetoNBD.Parameters.names
                case .bgbb: BGBB.Parameters.names
                }
            return try Self.values(of: params, names: names, option: "--params", example: "r=0.24,alpha=4.4,a=0.79,b=2.4")
        }

        func spendParameters() throws -> GammaGamma.Parameters? {
            try spend.map {
                GammaGamma.Parameters(values: try Self.values(of: $0, names: GammaGamma.Parameters.names, option: "--spend", example: "p=6.25,q=3.74,v=15.44"))
            }
        }

        /// The values of `name=value` pairs in the order of `names`; every name is required, every value positive.
        static func values(of text: String, names: [String], option: String, example: String) throws -> [Double] {
            var dict: [String: Double] = [:]
            for pair in text.split(separator: ",") {
                let kv = pair.split(separator: "=")
                guard kv.count == 2, let v = Double(kv[1]), v > 0, v.isFinite else {
                    throw ValidationError("\(option) takes name=value pairs with positive values, e.g. \(example).")
                }
                let name = kv[0].trimmingCharacters(in: .whitespaces)
                guard names.contains(name) else { throw ValidationError("\(option) has no parameter '\(name)' (it takes \(names.joined(separator: ", "))).") }
                dict[name] = v
            }
            return try names.map { name in
                guard let v = dict[name] else { throw ValidationError("\(option) is missing \(name) (needs \(names.joined(separator: ", "))).") }
                return v
            }
        }

        func run() throws {
            let values = try parameterValues()
            var rng = SplitMix64(seed: seed)
            let resolution = output == .orders ? 1 / unit.days : nil
            let simulator = PurchaseSimulator(observationEnd: length, cohortLength: cohort, resolution: resolution)
            // Customers are drawn in blocks from one generator, which gives the same customers as one call for all.
            func block(_ count: Int) -> [SimulatedCustomer] {
                switch model {
                case .bgnbd, .gg, .learned: simulator.simulate(BGNBD.Parameters(values: values), customers: count, using: &rng)
                case .mbgnbd: simulator.simulateMBGNBD(MBGNBD.Parameters(values: values), customers: count, using: &rng)
                case .pnbd: simulator.simulate(ParetoNBD.Parameters(values: values), customers: count, using: &rng)
                case .bgbb: PurchaseSimulator.simulate(BGBB.Parameters(values: values), customers: count, opportunities: Int(length.rounded()), using: &rng)
                }
            }
            var writer = ChunkedOutput()
            switch output {
            case .summary:
                writer.append("customer_id,frequency,recency,T\n")
                forEachCustomer(block) { i, c in
                    writer.append("\(i + 1),\(c.summary.frequency),\(formatted(c.summary.recency, 10)),\(formatted(c.summary.age, 10))\n")
                }
            case .orders:
                guard let origin = CalendarDay(iso: start) else { throw UserError("--start must be a date YYYY-MM-DD.") }
                let baskets = BasketSimulator(
                    spend: try spendParameters(), catalogue: products.map { ProductCatalogue(count: $0, exponent: productSkew) },
                    meanLines: linesPerOrder)
                // Baskets and times of day have a generator of their own, so they never move the purchase dates.
                var extras = SplitMix64(seed: seed ^ 0x4241_534B_4554)  // "BASKET"
                var order = 0
                writer.append(
                    "customer_id,date" + (products != nil ? ",order_id,product_id" : "") + (baskets.spend != nil ? ",amount" : "") + "\n")
                forEachCustomer(block) { i, c in
                    let purchases = [0] + c.repeatPurchases
                    let lines = baskets.baskets(purchases: purchases.count, using: &extras)
                    for (t, basket) in zip(purchases, lines) {
                        order += 1
                        var date = origin.adding(days: Int(((c.firstPurchase + t) * unit.days).rounded())).description
                        if timestamps {
                            let second = Int(extras.next() % 86_400)
                            date += " " + [second / 3600, second / 60 % 60, second % 60].map(Self.twoDigits).joined(separator: ":")
                        }
                        for line in basket {
                            writer.append("\(i + 1),\(date)")
                            if let product = line.product { writer.append(",\(order),P\(product)") }
                            if let cents = line.cents { writer.append(",\(cents / 100).\(Self.twoDigits(cents % 100))") }
                            writer.append("\n")
                        }
                    }
                }
            }
            writer.flush()
        }

        /// Simulates `customers` in blocks of 10,000 and calls `body` with each one's 0-based index, so memory does not
        /// grow with the number of customers.
        func forEachCustomer(_ block: (Int) -> [SimulatedCustomer], _ body: (Int, SimulatedCustomer) -> Void) {
            var done = 0
            while done < customers {
                let count = min(10_000, customers - done)
                for (offset, customer) in block(count).enumerated() { body(done + offset, customer) }
                done += count
            }
        }

        static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    }
}
