import CLVCore
import Foundation

/// Saved model fits.
public protocol ModelRunStore: Sendable {
    /// Saves a run and returns its id.
    func saveModelRun(_ run: ModelRunRecord) async throws -> Int64
    /// Every run, newest first.
    func modelRuns() async throws -> [ModelRunRecord]
    func modelRun(id: Int64) async throws -> ModelRunRecord?
    /// The newest run of a kind of model.
    func latestModelRun(kind: ModelKind) async throws -> ModelRunRecord?
}

/// One model fit as stored. The fitted model itself is versioned JSON whose format belongs to CLVModels (read it
/// with the workflow layer's model-run reader); the other fields are its headline facts, for listing and choosing.
public struct ModelRunRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var kind: ModelKind
    public var createdAt: Date
    /// The last day of the data the model was fitted on.
    public var dataEnd: CalendarDay
    public var unit: TimeUnit
    public var customers: Int
    public var logLikelihood: Double?
    public var converged: Bool
    public var fitJSON: String

    public init(
        id: Int64 = 0, kind: ModelKind, createdAt: Date = Date(), dataEnd: CalendarDay, unit: TimeUnit, customers: Int,
        logLikelihood: Double?, converged: Bool, fitJSON: String
    ) {
        self.id = id
        self.kind = kind
        self.createdAt = createdAt
        self.dataEnd = dataEnd
        self.unit = unit
        self.customers = customers
        self.logLikelihood = logLikelihood
        self.converged = converged
        self.fitJSON = fitJSON
    }
}
