import CLVCore
import Foundation

/// A customer as the service sees them.
public struct CustomerRecord: Sendable, Equatable, Codable {
    public var id: CustomerID
    public var country: String?
    public var firstSeen: CalendarDay
    public var consent: Consent
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
    /// Sets consent; returns false when the customer does not exist.
    func setConsent(_ consent: Consent, for id: CustomerID) async throws -> Bool
    /// Deletes every row about the customer and records the erasure under a keyed hash. Returns rows deleted per table.
    func erase(_ id: CustomerID, actor: String) async throws -> [String: Int]
    /// Deletes order lines (and their daily aggregates) before `day`, and customers left without any.
    func purge(before day: CalendarDay, actor: String) async throws -> [String: Int]
    /// Appends audit events (batched by callers on hot paths).
    func audit(_ events: [AuditEvent]) async throws
    /// The keyed, irreversible pseudonym of a customer id used in the audit log.
    func auditHash(of id: CustomerID) async throws -> String
    /// The most recent audit events, newest first.
    func auditEvents(limit: Int) async throws -> [AuditEvent]
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

/// One line of the audit log: never a raw customer id, only its keyed hash.
public struct AuditEvent: Sendable, Equatable, Codable {
    public var at: Date
    /// Who acted: `key:<id>` for an API key, `cli` for the command line.
    public var actor: String
    public var action: String
    public var customerHash: String?
    public var detail: String?

    public init(at: Date = Date(), actor: String, action: String, customerHash: String? = nil, detail: String? = nil) {
        self.at = at
        self.actor = actor
        self.action = action
        self.customerHash = customerHash
        self.detail = detail
    }
}

/// API keys: the secret is shown once and only its SHA-256 is stored.
public protocol KeyStore: Sendable {
    func createKey(role: String, label: String?) async throws -> (key: APIKeyRecord, secret: String)
    /// The live (not revoked) key whose secret hashes to `secretHash`.
    func key(secretHash: String) async throws -> APIKeyRecord?
    func keys() async throws -> [APIKeyRecord]
    func revokeKey(id: Int64) async throws -> Bool
}

/// A stored API key (never the secret).
public struct APIKeyRecord: Sendable, Equatable, Codable {
    public var id: Int64
    /// The first characters of the secret, to recognise a key in a list.
    public var prefix: String
    public var role: String
    public var label: String?
    public var createdAt: String
    public var revokedAt: String?
}

/// Saved model fits.
public protocol ModelRunStore: Sendable {
    func saveModelRun(_ run: ModelRunRecord) async throws -> Int64
    func modelRuns() async throws -> [ModelRunRecord]
    func modelRun(id: Int64) async throws -> ModelRunRecord?
    /// The newest run of a model, e.g. "bgnbd".
    func latestModelRun(model: String) async throws -> ModelRunRecord?
}

/// One model fit as stored: the fitted model itself is versioned JSON owned by CLVModels.
public struct ModelRunRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var model: String
    public var createdAt: String
    /// The last day of the data the model was fitted on.
    public var dataEnd: CalendarDay
    public var unit: TimeUnit
    public var customers: Int
    public var logLikelihood: Double?
    public var converged: Bool
    public var fitJSON: String

    public init(
        id: Int64 = 0, model: String, createdAt: String = ISO8601DateFormatter().string(from: Date()), dataEnd: CalendarDay,
        unit: TimeUnit, customers: Int, logLikelihood: Double?, converged: Bool, fitJSON: String
    ) {
        self.id = id
        self.model = model
        self.createdAt = createdAt
        self.dataEnd = dataEnd
        self.unit = unit
        self.customers = customers
        self.logLikelihood = logLikelihood
        self.converged = converged
        self.fitJSON = fitJSON
    }
}

/// Everything the HTTP service needs from storage.
public typealias ServiceStore = OrderStore & CustomerDirectory & KeyStore & ModelRunStore
