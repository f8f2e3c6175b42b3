/// How to read an order file: separator, header, which column holds what, and how amounts and returns work.
///
/// Presets cover the public data sets; ``custom(separator:hasHeader:columns:dateFormat:)`` covers a shop's own export.
public struct OrderFileFormat: Sendable, Equatable {
    /// Field separator.
    public enum Separator: Sendable, Equatable {
        case comma, tab, semicolon
        /// Any run of spaces or tabs (the CDNOW text files).
        case whitespace

        var reader: DelimitedReader.Separator {
            switch self {
            case .comma: .byte(UInt8(ascii: ","))
            case .tab: .byte(UInt8(ascii: "\t"))
            case .semicolon: .byte(UInt8(ascii: ";"))
            case .whitespace: .whitespace
            }
        }
    }

    /// A column, by header name or by 1-based position.
    public enum Column: Sendable, Equatable, CustomStringConvertible {
        case named(String)
        case position(Int)

        /// `NAME` or a 1-based number.
        public init(argument: String) {
            if let n = Int(argument), n >= 1 { self = .position(n) } else { self = .named(argument) }
        }

        public var description: String {
            switch self {
            case let .named(name): "'\(name)'"
            case let .position(n): "column \(n)"
            }
        }

        /// Part of ``OrderFileFormat/signature`` (frozen text, independent of ``description``).
        var signature: String {
            switch self {
            case let .named(name): "'\(name)'"
            case let .position(n): "column \(n)"
            }
        }
    }

    /// Where a line's amount comes from.
    public enum Amount: Sendable, Equatable {
        case column(Column)
        case quantityTimesPrice(quantity: Column, price: Column)

        /// Part of ``OrderFileFormat/signature`` (frozen text).
        var signature: String {
            switch self {
            case let .column(c): "CLVData.OrderFileFormat.Amount.column(\(c.signature))"
            case let .quantityTimesPrice(q, p): "CLVData.OrderFileFormat.Amount.quantityTimesPrice(quantity: \(q.signature), price: \(p.signature))"
            }
        }
    }

    /// Which columns hold what. Only customer, date and amount are required.
    public struct Columns: Sendable, Equatable {
        public var customer: Column
        public var date: Column
        public var amount: Amount
        public var order: Column?
        public var product: Column?
        public var quantity: Column?
        public var productTitle: Column?
        public var country: Column?

        public init(
            customer: Column, date: Column, amount: Amount, order: Column? = nil, product: Column? = nil,
            quantity: Column? = nil, productTitle: Column? = nil, country: Column? = nil
        ) {
            self.customer = customer
            self.date = date
            self.amount = amount
            self.order = order
            self.product = product
            self.quantity = quantity
            self.productTitle = productTitle
            self.country = country
        }

        /// Part of ``OrderFileFormat/signature`` (frozen text).
        var signature: String {
            func optional(_ column: Column?) -> String { column.map { "Optional(\($0.signature))" } ?? "nil" }
            return "Columns(customer: \(customer.signature), date: \(date.signature), amount: \(amount.signature), "
                + "order: \(optional(order)), product: \(optional(product)), quantity: \(optional(quantity)), "
                + "productTitle: \(optional(productTitle)), country: \(optional(country)))"
        }
    }

    public var name: String
    public var separator: Separator
    public var hasHeader: Bool
    public var columns: Columns
    public var dateFormat: DateFormat
    /// An order id starting with this prefix is a cancellation (Online Retail's `C`).
    public var cancellationPrefix: String?
    /// Lines without a customer id are stored as guest orders (kept out of customer summaries) instead of quarantined.
    public var keepsGuestOrders: Bool
    /// Integer customer ids lose their leading zeros ("0042" and "42" are one customer).
    public var canonicalisesNumericIDs: Bool

    // MARK: - Presets

    /// `CDNOW_sample.txt`: `orig_id customer_id yyyymmdd cds dollars`, no header; the customer id is the second column.
    public static let cdnowSample = OrderFileFormat(
        name: "cdnow-sample", separator: .whitespace, hasHeader: false,
        columns: Columns(customer: .position(2), date: .position(3), amount: .column(.position(5)), quantity: .position(4)),
        dateFormat: .compact, cancellationPrefix: nil, keepsGuestOrders: false, canonicalisesNumericIDs: true
    )

    /// `CDNOW_master.txt`: `customer_id date number_of_cds dollar_value`, with a header line.
    public static let cdnow = OrderFileFormat(
        name: "cdnow", separator: .whitespace, hasHeader: true,
        columns: Columns(customer: .position(1), date: .position(2), amount: .column(.position(4)), quantity: .position(3)),
        dateFormat: .compact, cancellationPrefix: nil, keepsGuestOrders: false, canonicalisesNumericIDs: true
    )

    /// UCI Online Retail: amount = Quantity × UnitPrice; `C` invoices and negative quantities are cancellations or
    /// returns; lines without a CustomerID are guest orders.
    public static let onlineRetail = OrderFileFormat(
        name: "online-retail", separator: .comma, hasHeader: true,
        columns: Columns(
            customer: .named("CustomerID"), date: .named("InvoiceDate"),
            amount: .quantityTimesPrice(quantity: .named("Quantity"), price: .named("UnitPrice")),
            order: .named("InvoiceNo"), product: .named("StockCode"), quantity: .named("Quantity"),
            productTitle: .named("Description"), country: .named("Country")
        ),
        dateFormat: .iso8601, cancellationPrefix: "C", keepsGuestOrders: true, canonicalisesNumericIDs: true
    )

    /// A shop's own export.
    public static func custom(
        separator: Separator, hasHeader: Bool, columns: Columns, dateFormat: DateFormat, keepsGuestOrders: Bool = false
    ) -> OrderFileFormat {
        OrderFileFormat(
            name: "custom", separator: separator, hasHeader: hasHeader, columns: columns, dateFormat: dateFormat,
            cancellationPrefix: nil, keepsGuestOrders: keepsGuestOrders, canonicalisesNumericIDs: false
        )
    }

    /// A stable description of everything that changes how lines are read, mixed into every row key.
    ///
    /// Frozen text: every stored line's key depends on it, so changing one character makes re-imports store every
    /// line again. It is spelled out field by field, in exactly the words that the 2026-11 code produced by
    /// interpolating the values (type names included), and pinned by a golden test. Add a new field only in a way
    /// that leaves the existing formats' text unchanged.
    var signature: String {
        let separatorName =
            switch separator {
            case .comma: "comma"
            case .tab: "tab"
            case .semicolon: "semicolon"
            case .whitespace: "whitespace"
            }
        return "\(name)|\(separatorName)|\(hasHeader)|\(columns.signature)|\(dateFormat.signature)|\(cancellationPrefix ?? "")|\(canonicalisesNumericIDs)"
    }
}
