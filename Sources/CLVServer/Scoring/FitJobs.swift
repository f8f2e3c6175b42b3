import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

/// Fits requested over HTTP, run in the background one at a time (never inside the request), through the workflow.
actor FitJobs {
    enum Status: String, Codable, Sendable, CaseIterable { case queued, running, finished, failed }

    /// A job as the API shows it.
    struct Job: Codable, Sendable {
        var id: Int
        var model: ModelKind
        var status: Status
        var runIDs: [Int64] = []
        /// Why the job failed, in one line that says what to do.
        var error: String?

        enum CodingKeys: String, CodingKey {
            case id, model, status, error
            case runIDs = "model_run_ids"
        }
    }

    private var jobs: [Int: Job] = [:]
    private var nextID = 1
    private var tail: Task<Void, Never>?

    /// Queues a fit and returns its job; `onFinished` runs after a successful fit (e.g. to reload the scoring
    /// models and re-run the analysis).
    func submit(
        kind: ModelKind, window: SummaryWindow, options: EstimatorOptions, workflow: Workflow,
        onFinished: @escaping @Sendable () async -> Void
    ) -> Job {
        let id = nextID
        nextID += 1
        let job = Job(id: id, model: kind, status: .queued)
        jobs[id] = job
        let previous = tail
        tail = Task {
            await previous?.value
            self.update(id) { $0.status = .running }
            do {
                let runs = try await workflow.fitAndSave([kind], window: window, options: options)
                guard !runs.isEmpty else {
                    self.update(id) {
                        $0.status = .failed
                        $0.error =
                            "The fit produced no model run: no customer in the window through \(window.calibrationEnd) has what \(kind.rawValue) needs; pick a later end."
                    }
                    return
                }
                self.update(id) {
                    $0.status = .finished
                    $0.runIDs = runs.map(\.record.id)
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
