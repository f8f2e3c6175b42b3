import CLVData
import Logging
import ServiceLifecycle
import Synchronization

/// Buffers audit events and writes them in batches, so that logging every customer read costs no transaction (and
/// no task switch) per request. Flushes every 200 ms and once more on graceful shutdown; at most that much is lost
/// if the process dies.
final class AuditTrail: Service, Sendable {
    private let store: any AuditLog
    private let logger: Logger
    private let pending = Mutex<[AuditEvent]>([])

    init(store: any AuditLog, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func record(_ event: AuditEvent) {
        pending.withLock { $0.append(event) }
    }

    /// Writes everything buffered; on failure the events go back to the buffer for the next try.
    func flush() async {
        let batch = pending.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.audit(batch)
        } catch is CancellationError {
            // Shutdown cancelled a periodic flush mid-write: the final flush in run() writes these.
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
        } catch {
            logger.error("audit log write failed; will retry", metadata: ["events": .stringConvertible(batch.count), "error": .string("\(error)")])
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                await self.flush()
            }
        }
        // The last flush runs in a task of its own: this one is cancelled by now, and the write would refuse to start.
        await Task { await self.flush() }.value
    }
}
