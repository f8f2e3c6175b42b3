import CLVCore
import CLVData
import CLVLearn
import CLVPipeline
import CLVText
import Foundation
import Logging

/// The newest learned CLV run applied to today's data: rebuilt when the run or the data's last day changed (orders
/// within the same day wait for the next one).
typealias LearnedBook = BackgroundBook<LearnWorkflow.Scoring>

extension BackgroundBook where Value == LearnWorkflow.Scoring {
    static func learned(store: any ServiceStore, language: LanguageModels, maxAge: TimeInterval, logger: Logger) -> LearnedBook {
        LearnedBook(name: "learned CLV", maxAge: maxAge, logger: logger) { previous, _ in
            do {
                let workflow = LearnWorkflow(store: store)
                guard let latest = try await workflow.latestRun() else {
                    return .failed(.missing("no learned model is saved: run `clv learn fit --end DATE --holdout-end DATE`"))
                }
                guard let day = try await store.statistics().lastDay else { return .failed(.missing("no orders yet")) }
                if let previous, previous.runID == latest.id, previous.asOf == day { return .unchanged }
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
}

/// The newest saved recommender with every customer's purchases, or a first fit when none is saved; new orders are
/// folded in without a refit, a new `clv recommend fit` run is picked up.
typealias RecommenderBook = BackgroundBook<LoadedRecommender>

extension BackgroundBook where Value == LoadedRecommender {
    static func recommender(store: any ServiceStore, language: LanguageModels, maxAge: TimeInterval, logger: Logger) -> RecommenderBook {
        RecommenderBook(name: "recommender", maxAge: maxAge, logger: logger) { previous, dataChanged in
            // Product texts by the server's embedding model, as `clv recommend` reads them by default; words when
            // it is not installed (a run that ranks by embeddings then says which model it needs).
            let content: ProductContent = (try? await language.cachedEmbedder(cache: store)).map { .embeddings($0) } ?? .words
            let workflow = RecommendWorkflow(store: store, content: content)
            do {
                if let previous {
                    // Loading a run reads every order line: only when `clv recommend fit` saved a newer one.
                    let newest = try await store.latestRecommenderRun(model: nil)?.id
                    if let newest, newest != previous.run.id, let loaded = try await workflow.loadLatest() { return .built(loaded) }
                    return dataChanged ? .built(try await workflow.refreshed(previous)) : .unchanged
                }
                return .built(try await workflow.loadOrFit())
            } catch WorkflowError.noOrders {
                return .failed(.missing("no order line names a product yet: import orders with product ids (`clv ingest orders`)"))
            } catch {
                return .failed(.failed("\(error)"))
            }
        }
    }
}
