import Foundation
import Synchronization

/// The persistent form of ``ParallelFor``, for many short rounds: threads kept for one session's parallel rounds: the calling thread and `threads − 1` helpers take
/// slices of a round's work from a shared counter.
///
/// A decoder step is about 120 rounds of a few tens of microseconds each, so waking a parked thread for every
/// round (as `DispatchQueue.concurrentPerform` does) costs as much as the work itself. Helpers here spin for a
/// short while (``spinLimit``) after a round, so the next round starts at once, and park on a condition variable
/// when no round comes: an idle session costs no CPU, and a thread that the machine's load has descheduled just
/// takes fewer slices. The calling thread likewise spins only briefly (``spinLimit``) for helpers still busy
/// with a slice, then sleeps until the last one finishes: on a machine with more runnable threads than cores, a
/// helper descheduled in the middle of a slice gets the core back sooner than if the caller spun out its whole
/// time slice (two threads sharing two cores with a busy process: ~18 tokens/s spinning).
// @unchecked Sendable: the mutable state is either atomic (`generation`, `nextSlice`, `finished`, `sleepers`, `stopping`,
// `callerWaiting`) or `body`, which the caller writes before publishing a round (sequentially consistent increment of
// `generation`) and clears only after every helper has reported the round finished; helpers read it only between
// those two points.
public final class WorkerPool: @unchecked Sendable {
    /// How long a helper spins for the next round, or the caller for the helpers to finish one, before sleeping.
    static let spinLimit = Duration.microseconds(100)

    public let threads: Int
    private let generation = Atomic<Int>(0)
    private let nextSlice = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let callerWaiting = Atomic<Bool>(false)
    private let condition = NSCondition()
    private let roundFinished = NSCondition()
    private var body: ((Int) -> Void)?
    private var slices = 0

    /// Starts `threads − 1` helper threads.
    public init(threads: Int) {
        self.threads = max(1, threads)
        for _ in 1..<self.threads {
            let thread = Thread { [self] in helperLoop() }
            thread.qualityOfService = .userInitiated
            thread.start()
        }
    }

    /// Stops the helpers (they exit after their current wait).
    public func shutdown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Calls `body(slice)` once for every slice in `0..<slices`, spread over the pool's threads; returns when all
    /// have run.
    public func run(slices: Int, _ body: @escaping (Int) -> Void) {
        guard threads > 1, slices > 1 else {
            for slice in 0..<slices { body(slice) }
            return
        }
        self.body = body
        self.slices = slices
        nextSlice.store(0, ordering: .relaxed)
        finished.store(0, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        work(body, slices: slices)
        waitForHelpers()
        self.body = nil
    }

    /// Returns when every helper has finished the current round.
    private func waitForHelpers() {
        let clock = ContinuousClock()
        let start = clock.now
        var spins = 0
        while finished.load(ordering: .acquiring) < threads - 1 {
            spins += 1
            if spins & 63 == 0, clock.now - start > Self.spinLimit {
                // Sequentially consistent with the helpers' increment of `finished` and read of `callerWaiting`:
                // either this re-check sees the last increment or that helper sees the flag and signals.
                roundFinished.lock()
                callerWaiting.store(true, ordering: .sequentiallyConsistent)
                while finished.load(ordering: .sequentiallyConsistent) < threads - 1 { roundFinished.wait() }
                callerWaiting.store(false, ordering: .relaxed)
                roundFinished.unlock()
                return
            }
        }
    }

    private func work(_ body: (Int) -> Void, slices: Int) {
        while true {
            let slice = nextSlice.add(1, ordering: .relaxed).oldValue
            if slice >= slices { return }
            body(slice)
        }
    }

    private func helperLoop() {
        var seen = 0
        let clock = ContinuousClock()
        while true {
            var current = generation.load(ordering: .sequentiallyConsistent)
            var spinStart = clock.now
            var spins = 0
            while current == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins += 1
                if spins & 63 == 0, clock.now - spinStart > Self.spinLimit {
                    condition.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    current = generation.load(ordering: .sequentiallyConsistent)
                    while current == seen && !stopping.load(ordering: .relaxed) {
                        condition.wait()
                        current = generation.load(ordering: .sequentiallyConsistent)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    condition.unlock()
                    spinStart = clock.now
                    if stopping.load(ordering: .relaxed) { return }
                } else {
                    current = generation.load(ordering: .sequentiallyConsistent)
                }
            }
            seen = current
            if let body { work(body, slices: slices) }
            if finished.add(1, ordering: .sequentiallyConsistent).newValue == threads - 1,
                callerWaiting.load(ordering: .sequentiallyConsistent)
            {
                roundFinished.lock()
                roundFinished.broadcast()
                roundFinished.unlock()
            }
        }
    }
}
