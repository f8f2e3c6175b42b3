import Foundation
import Logging

/// A value too slow to build in a request (a learned run applied to every customer, a recommender with every
/// customer's purchases), built in the background and kept in memory: reads return what is ready (nil at first)
/// and never wait.
///
/// A refresh starts when the copy is older than `maxAge` (a `clv learn fit` or `clv recommend fit` runs in another
/// process, so the book has to look) or after ``invalidate()``; the builder decides whether anything changed.
actor BackgroundBook<Value: Sendable> {
    /// Why there is nothing to read.
    enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The first build has not finished.
        case pending
        /// Nothing to build from (no saved run, no data): a missing resource, not a fault.
        case missing(String)
        case failed(String)

        var description: String {
            switch self {
            case .pending: "it is being prepared in the background; retry shortly"
            case let .missing(reason): reason
            case let .failed(reason): "preparing it failed: \(reason)"
            }
        }
    }

    enum Outcome: Sendable {
        case unchanged
        case built(Value)
        case failed(Problem)
    }

    /// Builds the value, given the one in memory (nil after a ``rebuild()``) and whether the data changed since
    /// (``invalidate()``); `.unchanged` keeps it.
    typealias Builder = @Sendable (_ previous: Value?, _ dataChanged: Bool) async -> Outcome

    private let name: String
    private let build: Builder
    private let maxAge: TimeInterval
    private let logger: Logger

    private var value: Value?
    private var checkedAt: Date?
    private var dataChanged = false
    private var refresh: Task<Void, Never>?
    /// Bumped by ``rebuild()``, so that a build which started before an erasure is thrown away.
    private var generation = 0
    /// Why there is nothing to read: nil once a value is ready.
    private(set) var problem: Problem? = .pending

    init(name: String, maxAge: TimeInterval, logger: Logger, build: @escaping Builder) {
        self.name = name
        self.maxAge = maxAge
        self.logger = logger
        self.build = build
    }

    /// What is ready now; starts a refresh when the copy is older than `maxAge` or the data changed.
    func current() -> Value? {
        if refresh == nil, checkedAt.map({ Date().timeIntervalSince($0) > maxAge }) ?? true {
            let previous = value, changed = dataChanged
            dataChanged = false
            refresh = Task.detached(priority: .utility) { [build, generation] in
                await self.finish(await build(previous, changed), generation: generation)
            }
        }
        return value
    }

    /// New data (orders): the next read refreshes.
    func invalidate() {
        dataChanged = true
        checkedAt = nil
    }

    /// Rebuilds from nothing now and waits: after an erasure nothing of the customer may stay in memory. Reads
    /// meanwhile get the old copy, but the routes look the customer up in the store first, so an erased customer's
    /// values are never served.
    func rebuild() async {
        generation += 1
        let mine = generation
        finish(await build(nil, true), generation: mine)
    }

    private func finish(_ outcome: Outcome, generation built: Int) {
        refresh = nil
        guard built == generation else { return }
        switch outcome {
        case .unchanged: break
        case let .built(new):
            value = new
            problem = nil
        case let .failed(reason):
            value = nil
            problem = reason
            logger.info("no \(name)", metadata: ["reason": .string(reason.description)])
        }
        checkedAt = Date()
    }
}
