import Dispatch
import Synchronization

/// A small parallel-for over independent work items, for CPU-bound numeric code: CLVKit's one way to use several
/// cores. Code that runs many rounds of a few microseconds each (a decoder step) keeps the threads between rounds
/// with ``WorkerPool``, its persistent form; everything else calls ``run(count:_:)``.
///
/// `run(count:)` calls `body(i)` exactly once for every `i` in `0..<count`, on up to ``threads`` threads, and
/// returns when all calls have finished. Items are handed out dynamically (a shared atomic counter), which keeps
/// both cores busy when the machine is loaded; the *results* are deterministic as long as `body(i)` depends only
/// on `i` and writes only to storage owned by item `i`, because which thread runs an item never changes what
/// the item computes.
///
/// With `threads == 1` (or a single item) everything runs on the calling thread, in order.
public struct ParallelFor: Sendable, Equatable {
    /// The largest number of threads used at once (at least 1).
    public let threads: Int

    /// A parallel-for over `threads` threads (clamped to at least 1).
    public init(threads: Int) { self.threads = max(1, threads) }

    /// One thread per active processor.
    public static var allCores: ParallelFor { ParallelFor(threads: ProcessInfoCores.active) }

    /// Calls `body(i)` for every `i` in `0..<count`, in parallel.
    ///
    /// - Parameters:
    ///   - count: the number of items.
    ///   - body: the work for one item; must only write to storage owned by that item.
    public func run(count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        let workers = min(threads, count)
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBody(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= count { break }
                    box.body(i)
                }
            }
        }
    }
}

extension ParallelFor {
    /// `body(lo, hi)` over fixed chunks of `0..<count`, the chunks' results added in order: the total is the same
    /// bits whatever the number of threads (a likelihood's sum must not depend on the machine).
    public func sumInChunks<Part>(count: Int, chunk: Int, zero: Part, _ add: (Part, Part) -> Part, _ body: (Int, Int) -> Part) -> Part {
        let chunks = (count + chunk - 1) / chunk
        var parts = [Part](repeating: zero, count: chunks)
        parts.withUnsafeMutableBufferPointer { out in
            run(count: chunks) { c in out[c] = body(c * chunk, Swift.min(count, (c + 1) * chunk)) }
        }
        return parts.reduce(zero, add)
    }
}

/// Carries a non-`Sendable` closure into `concurrentPerform`.
///
/// `@unchecked Sendable` is sound here because ``ParallelFor/run(count:_:)`` documents that `body` may be called
/// concurrently for *different* items and each item writes only to its own storage; the closure never outlives
/// the call (`withoutActuallyEscaping`).
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int) -> Void
}

/// The number of processors the scheduler gives this process.
enum ProcessInfoCores {
    static var active: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
