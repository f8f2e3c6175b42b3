import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import Logging
import Synchronization

/// The population as the service scored it, with the models it was scored with.
@dynamicMemberLookup
struct Snapshot: Sendable {
    let models: ActiveModels
    let population: Population

    subscript<T>(dynamicMember path: KeyPath<Population, T>) -> T { population[keyPath: path] }
}

/// The service's scoring state: the models in use, the population snapshot, and the model analysis, each produced
/// by the workflow outside requests; one customer is re-scored in real time against the snapshot.
///
/// Reads never wait on a rebuild (except on the first scoring after start-up, which runs in the background): the
/// state is swapped atomically under a lock, and a rebuild runs at most once at a time.
final class ScoreBook: Sendable {
    private struct State {
        var models: ActiveModels?
        var snapshot: Snapshot?
        /// The model analysis of the models in use: a background job, started when they load.
        var analysis: Task<ModelAnalysis?, Never>?
        var asOf: CalendarDay?
        var stale = true
        var lastProblem: String?
        /// Scoring the population and starting the analysis after start-up, so that the server is ready once the
        /// models are loaded: the routes that need the population wait for it (the first time only).
        var startup: Task<Void, Never>?
    }

    let workflow: Workflow
    /// The purchase model the service scores with.
    let modelKind: ModelKind
    let settings: ServerConfiguration
    let logger: Logger
    private let state = Mutex(State())
    private let rebuilding = Mutex(false)

    init(workflow: Workflow, model: ModelKind, settings: ServerConfiguration, logger: Logger) {
        self.workflow = workflow
        self.modelKind = model
        self.settings = settings
        self.logger = logger
    }

    var models: ActiveModels? { state.withLock { $0.models } }
    var asOf: CalendarDay? { state.withLock { $0.asOf } }
    var problem: String? { state.withLock { $0.lastProblem } }
    /// The model analysis of the models in use, waiting for its job when it is still running; nil when there is
    /// no history to split or the job failed (logged).
    func analysis() async -> ModelAnalysis? {
        await startupScoring()
        return await state.withLock { $0.analysis }?.value
    }

    /// Waits for the population scoring that start-up left running (at once when it is done or never started).
    private func startupScoring() async { await state.withLock { $0.startup }?.value }

    /// The policy for models fitted in `unit`.
    func policy(for unit: TimeUnit) -> ScoringPolicy {
        ScoringPolicy.service(horizonWeeks: settings.horizonWeeks, clvMonths: settings.clvMonths, monthlyDiscountRate: settings.monthlyDiscountRate, unit: unit)
    }

    /// The tier names, best first (whatever the unit).
    var tierNames: [String] { policy(for: .week).tiers.tiers.map(\.name) }

    /// At start-up, before serving: loads the latest saved runs, fitting (and saving) them when there are none. The
    /// population is scored and the models analysed in the background: with a million customers that takes seconds,
    /// and ``snapshot(maxAge:)`` and ``analysis()`` wait for it.
    func start() async throws {
        guard let last = try await workflow.store.lastOrderDay() else {
            state.withLock { $0.lastProblem = "no orders yet: ingest with `clv ingest orders` or POST /v1/events" }
            return
        }
        state.withLock { $0.asOf = max($0.asOf ?? last, last) }
        try await loadModels(fitIfMissing: true, analysing: false)
        guard let models else { return }
        let logger = logger
        let job = Task {
            do {
                try await self.analyse(models)
            } catch {
                logger.error("scoring the population failed", metadata: ["error": .string("\(error)")])
            }
        }
        state.withLock { $0.startup = job }
    }

    /// Reloads the newest runs (after a fit job), rebuilds the population and re-runs the model analysis (three fits:
    /// `analysing: false` skips it for callers that never read it).
    func loadModels(fitIfMissing: Bool, analysing: Bool = true) async throws {
        guard let asOf else { return }
        let sampling = policy(for: .week).sampling
        guard let models = try await workflow.activeModels(modelKind, asOf: asOf, fitIfMissing: fitIfMissing, sampling: sampling) else { return }
        state.withLock {
            $0.models = models
            $0.stale = true
            $0.lastProblem = nil
        }
        guard analysing else { return }
        try await analyse(models)
    }

    /// Scores the population with `models` and starts their analysis.
    private func analyse(_ models: ActiveModels) async throws {
        guard let snapshot = try await rebuildSnapshot(maxAge: 0) else { return }
        // Three model fits: a job of its own, so that neither start-up nor a fit job's caller waits for it.
        let workflow = workflow, logger = logger, horizon = policy(for: models.unit).horizon
        let job = Task<ModelAnalysis?, Never> {
            do {
                return try await workflow.analysis(of: models, population: snapshot.population, horizon: horizon)
            } catch {
                logger.error("the model analysis failed", metadata: ["error": .string("\(error)")])
                return nil
            }
        }
        state.withLock { $0.analysis = job }
    }

    /// Marks the population out of date (new events, erasure); `day` moves "now" forward when later.
    func invalidate(seenDay day: CalendarDay? = nil) {
        state.withLock {
            $0.stale = true
            if let day { $0.asOf = max($0.asOf ?? day, day) }
            if $0.models == nil, day != nil { $0.lastProblem = "orders are stored but no model is fitted" }
        }
    }

    /// The snapshot, rebuilt when stale and older than `maxAge` seconds (0: whenever stale).
    func snapshot(maxAge: TimeInterval) async throws -> Snapshot? {
        await startupScoring()
        return try await rebuildSnapshot(maxAge: maxAge)
    }

    private func rebuildSnapshot(maxAge: TimeInterval) async throws -> Snapshot? {
        let (current, stale) = state.withLock { ($0.snapshot, $0.stale) }
        if let current, !stale || Date().timeIntervalSince(current.builtAt) < maxAge { return current }
        guard
            rebuilding.withLock({ busy in
                defer { busy = true }
                return !busy
            })
        else { return current }
        defer { rebuilding.withLock { $0 = false } }
        guard let models, let asOf else { return current }
        state.withLock { $0.stale = false }
        let population = try await workflow.population(models, asOf: asOf, policy: policy(for: models.unit))
        let built = Snapshot(models: models, population: population)
        state.withLock { $0.snapshot = built }
        return built
    }

    /// One customer scored now from their stored days, ranked against the snapshot, with a prediction interval when
    /// `level` is given.
    func score(_ id: CustomerID, days: [CustomerDay], level: Double?) async throws -> ScoredCustomer? {
        guard let models, let asOf = self.asOf else { return nil }
        let snapshot = try await snapshot(maxAge: settings.snapshotMaxAgeSeconds)
        return try RealTimeScoring.score(
            days: days, models: models, asOf: asOf, policy: policy(for: models.unit), against: snapshot?.population, intervalLevel: level
        )
    }
}
