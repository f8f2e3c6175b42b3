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

        func validate() throws {
            guard model != .gg else { throw ValidationError("gg is a spend model; simulate bgnbd, pnbd, mbgnbd or bgbb.") }
            guard customers > 0 else { throw ValidationError("--customers must be positive.") }
            guard length > 0, cohort >= 0, cohort < length else { throw ValidationError("Need --length > 0 and 0 ≤ --cohort < --length.") }
            _ = try parameterValues()
        }

        func parameterValues() throws -> [Double] {
            var dict: [String: Double] = [:]
            for pair in params.split(separator: ",") {
                let kv = pair.split(separator: "=")
                guard kv.count == 2, let v = Double(kv[1]), v > 0 else {
                    throw ValidationError("--params takes name=value pairs with positive values, e.g. r=0.24,alpha=4.4,a=0.79,b=2.4.")
                }
                dict[kv[0].trimmingCharacters(in: .whitespaces)] = v
            }
            let names: [String] =
                switch model {
                case .bgnbd, .mbgnbd, .gg, .learned: BGNBD.Parameters.names
                case .pnbd: ParetoNBD.Parameters.names
                case .bgbb: BGBB.Parameters.names
                }
            return try names.map { name in
                guard let v = dict[name] else { throw ValidationError("--params is missing \(name) (needs \(names.joined(separator: ", "))).") }
                return v
            }
        }

        func run() throws {
            let values = try parameterValues()
            var rng = SplitMix64(seed: seed)
            let resolution = output == .orders ? 1 / unit.days : nil
            let simulator = PurchaseSimulator(observationEnd: length, cohortLength: cohort, resolution: resolution)
            let simulated: [SimulatedCustomer] =
                switch model {
                case .bgnbd, .gg, .learned: simulator.simulate(BGNBD.Parameters(values: values), customers: customers, using: &rng)
                case .mbgnbd: simulator.simulateMBGNBD(MBGNBD.Parameters(values: values), customers: customers, using: &rng)
                case .pnbd: simulator.simulate(ParetoNBD.Parameters(values: values), customers: customers, using: &rng)
                case .bgbb: PurchaseSimulator.simulate(BGBB.Parameters(values: values), customers: customers, opportunities: Int(length.rounded()), using: &rng)
                }
            var out = ""
            out.reserveCapacity(simulated.count * 24)
            switch output {
            case .summary:
                out += "customer_id,frequency,recency,T\n"
                for (i, c) in simulated.enumerated() {
                    out += "\(i + 1),\(c.summary.frequency),\(formatted(c.summary.recency, 10)),\(formatted(c.summary.age, 10))\n"
                }
            case .orders:
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyy-MM-dd"
                guard let origin = formatter.date(from: start) else { throw UserError("--start must be a date YYYY-MM-DD.") }
                out += "customer_id,date\n"
                for (i, c) in simulated.enumerated() {
                    for t in [0] + c.repeatPurchases {
                        let days = ((c.firstPurchase + t) * unit.days).rounded()
                        out += "\(i + 1),\(formatter.string(from: origin.addingTimeInterval(days * 86_400)))\n"
                    }
                }
            }
            emit(out)
        }
    }
}
