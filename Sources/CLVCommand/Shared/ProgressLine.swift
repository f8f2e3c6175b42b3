import Foundation
import Synchronization

/// Progress of long work on stderr: a redrawn line on a terminal, nothing when stderr is a file or a pipe.
final class ProgressLine: Sendable {
    let label: String
    private let enabled: Bool
    private let shown = Mutex(false)

    init(label: String, enabled: Bool = Output.stderrIsTerminal) {
        self.label = label
        self.enabled = enabled
    }

    func update(fraction: Double, detail: String) {
        guard enabled else { return }
        shown.withLock { $0 = true }
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded())
        FileHandle.standardError.write(Data("\r\(label): \(percent)% \(detail)\u{1B}[K".utf8))
    }

    /// A milestone (an epoch done, a phase ended) that a log keeps: on a terminal the redrawn line already shows
    /// it, so only a file or a pipe gets the line.
    func milestone(_ text: String) {
        guard !enabled else { return }
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    func finish() {
        guard enabled, shown.withLock({ $0 }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
