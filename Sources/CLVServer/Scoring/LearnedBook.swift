import CLVCore
import CLVData
import CLVLearn
import CLVPipeline
import CLVText
import Foundation
import Logging

/// The newest learned CLV run applied to today's data, kept in memory for the customer routes.
///
/// Building it refits the probabilistic models and rebuilds every customer's features, which takes longer than a
/// request should wait, so it is built in the background: reads return what is ready (nil at first) and never wait.
/// A refresh starts when the newest learned run or the last order day may have changed (a `clv learn fit` runs in
/// another process, so the book looks again once its copy is older than `maxAge`).
actor LearnedBook {
    private let store: any ServiceStore
    private let language: LanguageModels
    private let maxAge: TimeInterval
    private let logger: Logger

    private var scoring: LearnWorkflow.Scoring?
    private var checkedAt: Date?
    private var refresh: Task<Void, Never>?
    /// Bumped by ``rebuild()``, so that a build which started before an erasure is thrown away.
    private var generation = 0
    /// Why there is nothing to read: nil once a run is applied.
    private(set) var problem: Problem? = .pending

    enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The first build has not finished.
        case pending
        /// No learned run is saved: nothing to apply (a missing resource, not a fault).
        case noRun
        case failed(String)

        var description: String {
            switch self {
            case .pending: "it is being applied in the background; retry shortly"
            case .noRun: "no learned model is saved: run `clv learn fit --end DATE --holdout-end DATE`"
            case let .failed(reason): "applying the newest learned run failed: \(reason)"
            }
        }
    }

    init(store: any ServiceStore, language: LanguageModels, maxAge: TimeInterval, logger: Logger) {
        self.store = store
        self.language = language
        self.maxAge = maxAge
        self.logger = logger
    }

    /// What is ready now; starts a refresh when the copy is older than `maxAge`.
    func current() -> LearnWorkflow.Scoring? {
        if refresh == nil, checkedAt.map({ Date().timeIntervalSince($0) > maxAge }) ?? true {
            // Rebuilt only when the run or the data's last day changed; orders within the same day wait for the next one.
            let known = scoring.map { (run: $0.runID, day: $0.asOf) }
            refresh = Task.detached(priority: .utility) { [store, language, logger, generation] in
                let outcome = await Self.build(store: store, language: language, unless: known)
                if case let .failed(problem) = outcome { logger.info("no learned CLV", metadata: ["reason": .string(problem.description)]) }
                await self.finish(outcome, generation: generation)
            }
        }
        return scoring
    }

    /// Rebuilds the copy now and waits for it: after an erasure nothing of the customer may stay in memory. Reads
    /// meanwhile get the old copy, but the routes look the customer up in the store first, so an erased customer's
    /// values are never served.
    func rebuild() async {
        generation += 1
        let mine = generation
        finish(await Self.build(store: store, language: language, unless: nil), generation: mine)
    }

    private enum Outcome: Sendable {
        case unchanged
        case built(LearnWorkflow.Scoring)
        case failed(Problem)
    }

    private func finish(_ outcome: Outcome, generation built: Int) {
        refresh = nil
        guard built == generation else { return }
        switch outcome {
        case .unchanged: break
        case let .built(new):
            scoring = new
            problem = nil
        case let .failed(reason):
            scoring = nil
            problem = reason
        }
        checkedAt = Date()
    }

    private static func build(store: any ServiceStore, language: LanguageModels, unless known: (run: Int64, day: CalendarDay)?) async -> Outcome {
        do {
            let workflow = LearnWorkflow(store: store)
            guard let latest = try await workflow.latestRun() else { return .failed(.noRun) }
            guard let day = try await store.statistics().lastDay else { return .failed(.failed("no orders yet")) }
            if let known, known.run == latest.id, known.day == day { return .unchanged }
            var text: LearnWorkflow.TextModels?
            if latest.run.groups.contains(.text), let embedder = try? await language.cachedEmbedder(cache: store) {
                text = LearnWorkflow.TextModels(embedder: embedder, sentiment: await language.sentimentClassifier(for: embedder.model.modelName))
            }
            return .built(try await workflow.scoring(asOf: day, text: text))
        } catch {
            return .failed(.failed("\(error)"))
        }
    }
}
