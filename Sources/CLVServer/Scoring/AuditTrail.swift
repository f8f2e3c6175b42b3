import CLVData
import Logging
import ServiceLifecycle

/// Buffers audit events and writes them in batches, so that logging every customer read costs no transaction per
/// request. Flushes every 200 ms and once more on graceful shutdown; at most that much is lost if the process dies.
actor AuditTrail: Service {
    private let store: any CustomerDirectory
    private let logger: Logger
    private var pending: [AuditEvent] = []

    init(store: any CustomerDirectory, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func record(_ event: AuditEvent) {
        pending.append(event)
    }

    /// Writes everything buffered; on failure the events stay buffered for the next try.
    func flush() async {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        do {
            try await store.audit(batch)
        } catch {
            logger.error("audit log write failed; will retry", metadata: ["events": .stringConvertible(batch.count), "error": .string("\(error)")])
            pending.insert(contentsOf: batch, at: 0)
        }
    }

    nonisolated func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                await self.flush()
            }
        }
        await flush()
    }
}
