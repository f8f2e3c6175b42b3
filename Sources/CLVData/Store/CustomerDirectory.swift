import CLVCore

/// A customer as the service sees them.
public struct CustomerRecord: Sendable, Equatable, Codable {
    public var id: CustomerID
    public var country: String?
    public var firstSeen: CalendarDay
    public var consent: Consent

    public init(id: CustomerID, country: String?, firstSeen: CalendarDay, consent: Consent) {
        self.id = id
        self.country = country
        self.firstSeen = firstSeen
        self.consent = consent
    }
}

/// What a customer agreed to. Both default to false: privacy by default.
public struct Consent: Sendable, Equatable, Codable {
    /// May receive marketing (audiences respect it).
    public var marketing: Bool
    /// May be profiled from their behaviour and words.
    public var profiling: Bool

    public init(marketing: Bool = false, profiling: Bool = false) {
        self.marketing = marketing
        self.profiling = profiling
    }
}

/// Customers, consent, and the privacy operations over them.
public protocol CustomerDirectory: Sendable {
    func customer(_ id: CustomerID) async throws -> CustomerRecord?
    /// The customer's purchase days (and return-only days), ordered by day.
    func customerDays(of id: CustomerID) async throws -> [CustomerDay]
    /// The customer and their days in one read (the hot path of the API).
    func customerWithDays(_ id: CustomerID) async throws -> (CustomerRecord, [CustomerDay])?
    /// The customer's most recent order lines (purchases and returns), newest first, with product titles.
    func recentOrderLines(of id: CustomerID, limit: Int) async throws -> [OrderHistoryLine]
    /// Every customer's consent.
    func consents() async throws -> [CustomerID: Consent]
    /// Every customer's country, of those that have one (recommendations' segments).
    func countries() async throws -> [CustomerID: String]
    /// Sets consent; returns false when the customer does not exist.
    /// The change's audit record (under a keyed hash, by `actor`) commits in the same transaction.
    func setConsent(_ consent: Consent, for id: CustomerID, actor: String) async throws -> Bool
    /// Deletes every row about the customer and, when there were any, records the erasure in the audit log under a
    /// keyed hash, in the same transaction.
    func erase(_ id: CustomerID, actor: String) async throws -> ErasureReport
    /// Deletes order lines (and their daily aggregates) before `day`, and customers left without any; audited.
    func purge(before day: CalendarDay, actor: String) async throws -> ErasureReport
}

/// Rows deleted by an erasure or a retention purge, by kind of data.
public struct ErasureReport: Sendable, Equatable, Codable {
    public var orderLines = 0
    public var customerDays = 0
    public var customers = 0
    public var interactions = 0
    /// Cached vectors of texts no interaction or product holds any more.
    public var embeddings = 0

    public init(orderLines: Int = 0, customerDays: Int = 0, customers: Int = 0, interactions: Int = 0, embeddings: Int = 0) {
        self.orderLines = orderLines
        self.customerDays = customerDays
        self.customers = customers
        self.interactions = interactions
        self.embeddings = embeddings
    }

    /// Whether nothing was deleted (e.g. no such customer).
    public var isEmpty: Bool { orderLines == 0 && customerDays == 0 && customers == 0 && interactions == 0 && embeddings == 0 }

    /// "12 order lines, 4 customer days, 1 customer, 3 interactions, 3 embeddings", for logs and the audit trail.
    public var description: String {
        [(orderLines, "order line"), (customerDays, "customer day"), (customers, "customer"), (interactions, "interaction"), (embeddings, "embedding")]
            .map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }.joined(separator: ", ")
    }
}

/// One stored order line as a customer's history shows it.
public struct OrderHistoryLine: Sendable, Equatable {
    public var day: CalendarDay
    public var secondOfDay: Int?
    public var order: String?
    public var product: String?
    public var productTitle: String?
    public var quantity: Double?
    public var unitPrice: Double?
    /// Net amount: negative for a cancellation or return.
    public var amount: Double
    public var isReturn: Bool

    public init(
        day: CalendarDay, secondOfDay: Int? = nil, order: String? = nil, product: String? = nil, productTitle: String? = nil,
        quantity: Double? = nil, unitPrice: Double? = nil, amount: Double, isReturn: Bool = false
    ) {
        self.day = day
        self.secondOfDay = secondOfDay
        self.order = order
        self.product = product
        self.productTitle = productTitle
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.isReturn = isReturn
    }
}
