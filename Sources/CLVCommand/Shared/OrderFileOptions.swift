import ArgumentParser
import CLVData

/// How to read an order file: a preset or the columns. Shared by `clv ingest orders` and the commands that read
/// an order file without a store (`--orders FILE`), so both accept the same options with the same checks.
struct OrderFileOptions: ParsableArguments {
    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case cdnowSample = "cdnow-sample"
        case cdnow
        case onlineRetail = "online-retail"
        case amazonReviews = "amazon-reviews"

        /// The delimited layout, or nil for a JSON Lines preset.
        var format: OrderFileFormat? {
            switch self {
            case .cdnowSample: .cdnowSample
            case .cdnow: .cdnow
            case .onlineRetail: .onlineRetail
            case .amazonReviews: nil
            }
        }
    }

    enum Delimiter: String, ExpressibleByArgument, CaseIterable {
        case comma, tab, semicolon, whitespace
    }

    @Option(help: "A known file layout.")
    var preset: Preset?

    @Option(name: .customLong("customer-col"), help: ArgumentHelp("Customer id column (header name or 1-based number).", valueName: "column"))
    var customerColumn: String?

    @Option(name: .customLong("date-col"), help: ArgumentHelp("Order date column.", valueName: "column"))
    var dateColumn: String?

    @Option(name: .customLong("amount-col"), help: ArgumentHelp("Line amount column (or give --quantity-col and --price-col).", valueName: "column"))
    var amountColumn: String?

    @Option(name: .customLong("quantity-col"), help: ArgumentHelp("Quantity column; amount = quantity × price.", valueName: "column"))
    var quantityColumn: String?

    @Option(name: .customLong("price-col"), help: ArgumentHelp("Unit price column; amount = quantity × price.", valueName: "column"))
    var priceColumn: String?

    @Option(name: .customLong("order-col"), help: ArgumentHelp("Order id column (optional).", valueName: "column"))
    var orderColumn: String?

    @Option(name: .customLong("product-col"), help: ArgumentHelp("Product id column (optional).", valueName: "column"))
    var productColumn: String?

    @Option(
        name: .customLong("date-format"),
        help: ArgumentHelp("iso8601 (default), yyyymmdd, or a pattern of %Y %m %d %H %M %S such as '%d/%m/%Y %H:%M'.", valueName: "format")
    )
    var dateFormat: String?

    @Option(help: "Field separator; default from the extension (.tsv: tab, else comma).")
    var delimiter: Delimiter?

    @Flag(name: .customLong("no-header"), help: "The file has no header line; name columns by number.")
    var noHeader = false

    @Flag(name: .customLong("keep-guest-orders"), help: "Store lines without a customer id as guest orders instead of quarantining them.")
    var keepGuestOrders = false

    /// Whether any option of the layout was given (they mean nothing without a file to read).
    var isGiven: Bool {
        preset != nil || hasColumnOptions || keepGuestOrders
    }

    private var hasColumnOptions: Bool {
        let custom = [customerColumn, dateColumn, amountColumn, quantityColumn, priceColumn, orderColumn, productColumn, dateFormat]
        return custom.contains(where: { $0 != nil }) || delimiter != nil || noHeader
    }

    /// Checks that the options describe one layout: a preset alone, or the customer, date and amount columns.
    func validateLayout() throws {
        if preset != nil {
            if hasColumnOptions {
                throw ValidationError("--preset sets the columns itself: drop the column, --delimiter and --no-header options, or drop --preset.")
            }
            return
        }
        guard customerColumn != nil, dateColumn != nil else {
            throw ValidationError(
                "Name the columns with --customer-col and --date-col (and --amount-col), or pick --preset \(Preset.allCases.map(\.rawValue).joined(separator: "|"))."
            )
        }
        let hasPair = quantityColumn != nil && priceColumn != nil
        guard amountColumn != nil || hasPair else {
            throw ValidationError("Give --amount-col, or both --quantity-col and --price-col.")
        }
        if amountColumn != nil, priceColumn != nil {
            throw ValidationError("Give either --amount-col or --price-col (with --quantity-col), not both.")
        }
        if let dateFormat, DateFormat(argument: dateFormat) == nil {
            throw ValidationError("--date-format '\(dateFormat)' is not iso8601, yyyymmdd, or a pattern with %Y, %m and %d.")
        }
    }

    /// The layout of `file` (its extension picks the default separator); nil for a JSON Lines preset.
    /// Call after ``validateLayout()``.
    func format(for file: String) -> OrderFileFormat? {
        if let preset { return preset.format }
        func column(_ text: String) -> OrderFileFormat.Column { .init(argument: text) }
        let amount: OrderFileFormat.Amount =
            if let amountColumn {
                .column(column(amountColumn))
            } else {
                .quantityTimesPrice(quantity: column(quantityColumn!), price: column(priceColumn!))
            }
        let separator: OrderFileFormat.Separator =
            switch delimiter {
            case .comma: .comma
            case .tab: .tab
            case .semicolon: .semicolon
            case .whitespace: .whitespace
            case nil: file.lowercased().hasSuffix(".tsv") || file.lowercased().hasSuffix(".tab") ? .tab : .comma
            }
        return .custom(
            separator: separator, hasHeader: !noHeader,
            columns: .init(
                customer: column(customerColumn!), date: column(dateColumn!), amount: amount,
                order: orderColumn.map(column), product: productColumn.map(column), quantity: quantityColumn.map(column)
            ),
            dateFormat: dateFormat.flatMap(DateFormat.init(argument:)) ?? .iso8601,
            keepsGuestOrders: keepGuestOrders
        )
    }
}
