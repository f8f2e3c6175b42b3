import ArgumentParser
import CLVCore
import CLVData
import CLVPipeline

extension CalendarDay: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso: argument) }
}

extension TimeUnit: ExpressibleByArgument {}

extension CLV {
    /// `clv summary`: per-customer (x, tₓ, T, monetary value), with an optional holdout.
    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise each customer's purchases: frequency, recency, T, monetary value.",
            discussion: """
                Same semantics as lifetimes' summary_data_from_transaction_data / calibration_and_holdout_data: \
                purchases on one day count once, frequency counts repeat purchase days, recency and T are measured \
                from the first purchase in the unit (week = days / 7, month = days / 30.4375), monetary value is \
                the mean of the repeat purchase days. Cancellations never count as purchases.

                --orders FILE summarises an order file in memory instead of the database (nothing is imported), with \
                the layout options of clv ingest orders; it equals the summary of a new database that imported the \
                file. Example: clv summary --orders online_retail.csv --preset online-retail --end 2011-12-09
                """
        )

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("Summarise this order file in memory instead of the database.", valueName: "file"))
        var orders: String?

        @OptionGroup var layout: OrderFileOptions

        @Option(help: ArgumentHelp("Last day of the calibration window, inclusive (default: the last order day).", valueName: "YYYY-MM-DD"))
        var end: CalendarDay?

        @Option(name: .customLong("holdout-end"), help: ArgumentHelp("Last day of a holdout window after --end, inclusive.", valueName: "YYYY-MM-DD"))
        var holdoutEnd: CalendarDay?

        @Option(help: "Time unit of recency, T and duration.")
        var unit: TimeUnit = .day

        @Option(help: "Output format.")
        var format: OutputFormat = .table

        @Option(help: ArgumentHelp("Write the result to a file instead of stdout.", valueName: "file"))
        var output: String?

        func validate() throws {
            try Self.validateOrderFile(orders, layout: layout, database: database)
            if let end, let holdoutEnd, holdoutEnd <= end {
                throw ValidationError("--holdout-end (\(holdoutEnd)) must be after --end (\(end)).")
            }
        }

        func run() async throws {
            let rows: [CustomerSummaryRow]
            if let orders {
                rows = try OrderFileInput(path: orders, layout: layout).summarise(end: end, holdoutEnd: holdoutEnd, unit: unit).rows
            } else {
                let workflow = Workflow(store: try await database.openExisting())
                rows = try await workflow.summaries(workflow.window(end: end, holdoutEnd: holdoutEnd, unit: unit))
            }
            let holdout = holdoutEnd != nil
            if format == .csv {
                try Output.writeCSV(columns: Self.columns(holdout: holdout), rows: rows.lazy.map { Self.values($0, holdout: holdout) }, to: output)
            } else {
                try Output.write(Self.tabular(rows, holdout: holdout).render(format), to: output)
            }
            if output != nil { Output.log("Wrote \(rows.count) customers to \(output!)") }
        }

        /// `--orders FILE` excludes `--db`, needs a layout, and the layout options need `--orders`.
        static func validateOrderFile(_ orders: String?, layout: OrderFileOptions, database: DatabaseOptions) throws {
            guard orders != nil else {
                if layout.isGiven { throw ValidationError("--preset and the column options describe an order file: give --orders FILE too.") }
                return
            }
            if database.explicitPath != nil { throw ValidationError("Give either --db PATH or --orders FILE, not both.") }
            try layout.validateLayout()
        }

        static func tabular(_ rows: [CustomerSummaryRow], holdout: Bool) -> Tabular {
            Tabular(columns: columns(holdout: holdout), rows: rows.map { values($0, holdout: holdout) })
        }

        static func columns(holdout: Bool) -> [String] {
            ["customer_id", "frequency", "recency", "T", "monetary_value"]
                + (holdout ? ["frequency_holdout", "monetary_value_holdout", "duration_holdout"] : [])
        }

        static func values(_ r: CustomerSummaryRow, holdout: Bool) -> [Tabular.Value] {
            var values: [Tabular.Value] = [
                .text(r.customer.rawValue), .integer(r.frequency), .number(r.recency, decimals: 2),
                .number(r.age, decimals: 2), .number(r.monetaryValue, decimals: 2),
            ]
            if holdout, let h = r.holdout {
                values += [.integer(h.frequency), .number(h.monetaryValue, decimals: 2), .number(h.duration, decimals: 2)]
            }
            return values
        }
    }
}
