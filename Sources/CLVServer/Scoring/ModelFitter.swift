import CLVCore
import CLVData
import CLVModels
import Foundation

/// Fits models on the stored orders and saves each fit as a model run.
struct ModelFitter: Sendable {
    let store: any ServiceStore

    /// Fits each kind on the customers summarised through `end` in `unit`, saves the runs, and returns them.
    /// - Throws: ``FitError`` (e.g. no repeat buyers) or a storage error.
    func fit(kinds: [ModelKind], end: CalendarDay, unit: TimeUnit, penalizer: Double) async throws -> [ModelRunRecord] {
        let rows = CustomerSummarizer.summarise(try await store.purchaseDays(through: end), window: .init(calibrationEnd: end, unit: unit))
        let summaries = try rows.map { try $0.summary() }
        let options = EstimatorOptions(penalizer: penalizer)
        var runs: [ModelRunRecord] = []
        for kind in kinds {
            var run: ModelRunRecord
            if kind == .gg {
                let repeaters = rows.filter { $0.frequency > 0 && $0.monetaryValue > 0 }
                guard !repeaters.isEmpty else { continue }
                let model = try GammaGamma.Estimator(options: options).fit(
                    frequency: repeaters.map(\.frequency), meanSpend: repeaters.map(\.monetaryValue))
                run = try ModelRunRecord(kind, fit: model, diagnostics: model.diagnostics, dataEnd: end, unit: unit)
            } else {
                let model = try AnyPurchaseModel.fit(kind, customers: summaries, options: options)
                run = try ModelRunRecord(kind, fit: model, diagnostics: model.diagnostics, dataEnd: end, unit: unit)
            }
            run.id = try await store.saveModelRun(run)
            runs.append(run)
        }
        return runs
    }
}

extension ModelRunRecord {
    /// The record of a fit, as both `clv fit --db` and the service save it: the model's versioned JSON (keys sorted)
    /// and the headline diagnostics.
    public init(_ kind: ModelKind, fit: some Encodable, diagnostics: FitDiagnostics, dataEnd: CalendarDay, unit: TimeUnit) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(
            model: kind.rawValue, dataEnd: dataEnd, unit: unit, customers: Int(diagnostics.customerCount.rounded()),
            logLikelihood: diagnostics.logLikelihood, converged: diagnostics.converged,
            fitJSON: String(decoding: try encoder.encode(fit), as: UTF8.self)
        )
    }
}

/// Fits requested over HTTP, run in the background one at a time (never inside the request).
actor FitJobs {
    enum Status: String, Codable, Sendable { case queued, running, finished, failed }

    struct Job: Codable, Sendable {
        var id: Int
        var model: String
        var status: Status
        var runIDs: [Int64] = []
        var error: String?

        enum CodingKeys: String, CodingKey {
            case id, model, status, error
            case runIDs = "model_run_ids"
        }
    }

    private var jobs: [Int: Job] = [:]
    private var nextID = 1
    private var tail: Task<Void, Never>?

    /// Queues a fit and returns its job; `onFinished` runs after a successful fit (e.g. to reload the scoring models).
    func submit(
        kind: ModelKind, end: CalendarDay, unit: TimeUnit, penalizer: Double, fitter: ModelFitter,
        onFinished: @escaping @Sendable () async -> Void
    ) -> Job {
        let id = nextID
        nextID += 1
        let job = Job(id: id, model: kind.rawValue, status: .queued)
        jobs[id] = job
        let previous = tail
        tail = Task {
            await previous?.value
            self.update(id) { $0.status = .running }
            do {
                let kinds: [ModelKind] = kind == .gg ? [.gg] : [kind]
                let runs = try await fitter.fit(kinds: kinds, end: end, unit: unit, penalizer: penalizer)
                self.update(id) {
                    $0.status = .finished
                    $0.runIDs = runs.map(\.id)
                }
                await onFinished()
            } catch {
                self.update(id) {
                    $0.status = .failed
                    $0.error = "\(error)"
                }
            }
        }
        return job
    }

    func job(_ id: Int) -> Job? { jobs[id] }

    /// Waits for every queued fit (graceful shutdown, tests).
    func drain() async { await tail?.value }

    private func update(_ id: Int, _ change: (inout Job) -> Void) {
        if var job = jobs[id] {
            change(&job)
            jobs[id] = job
        }
    }
}
