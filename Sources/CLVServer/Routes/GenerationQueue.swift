import CLVText
import HTTPTypes
import Hummingbird

/// Chat generations one at a time, in arrival order.
///
/// One generation already keeps every core busy, so running two at once only makes both slower (and the server's
/// other routes with them). Requests wait their turn; once `limit` are waiting, new ones are turned away with 503
/// and Retry-After instead of piling up without bound.
actor GenerationQueue {
    let limit: Int
    private var busy = false
    private var waiting: [(ticket: Int, turn: CheckedContinuation<Void, any Error>)] = []
    private var nextTicket = 0

    init(limit: Int) { self.limit = max(0, limit) }

    /// Requests waiting for the generator now.
    var waitingCount: Int { waiting.count }

    /// The tokens of one generation, started when its turn comes; the generator is handed on when the stream ends
    /// or its reader goes away.
    /// - Throws: 503 when `limit` requests are already waiting; `CancellationError` when the request is cancelled
    ///   while it waits.
    func tokens(
        from generator: TextGenerator, prompt: [Int], options: GenerationOptions
    ) async throws -> AsyncThrowingStream<GeneratedToken, any Error> {
        try await enter()
        let generated = generator.stream(prompt: prompt, options: options)
        return AsyncThrowingStream { continuation in
            let forwarding = Task {
                do {
                    for try await token in generated {
                        if case .terminated = continuation.yield(token) { break }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
                self.leave()
            }
            continuation.onTermination = { _ in forwarding.cancel() }
        }
    }

    private func enter() async throws {
        guard busy else {
            busy = true
            return
        }
        guard waiting.count < limit else {
            throw HTTPError(
                .serviceUnavailable, headers: [.retryAfter: "\(5 * (waiting.count + 1))"],
                message: "The chat model is busy with \(waiting.count + 1) conversations; retry in a few seconds."
            )
        }
        let ticket = nextTicket
        nextTicket += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { waiting.append((ticket, $0)) }
        } onCancel: {
            Task { await self.withdraw(ticket) }
        }
    }

    /// Hands the generator straight to the next waiting request, so nobody can overtake it.
    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().turn.resume() }
    }

    private func withdraw(_ ticket: Int) {
        guard let index = waiting.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiting.remove(at: index).turn.resume(throwing: CancellationError())
    }
}
