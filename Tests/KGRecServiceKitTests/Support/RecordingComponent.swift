import Synchronization
@testable import KGRecServiceKit

/// A lifecycle component that appends what happens to a shared journal. Its drain can be made
/// to block until `forceStop` (a component that never finishes draining by itself).
final class RecordingComponent: ServiceComponent {
    let name: String
    let journal: Journal
    let failStart: Bool
    let drainBlocksUntilForced: Bool
    /// Signalled when `drain` begins.
    let drainStarted = EventCounter()
    private let forced = EventCounter()

    init(_ name: String, journal: Journal, failStart: Bool = false, drainBlocksUntilForced: Bool = false) {
        self.name = name
        self.journal = journal
        self.failStart = failStart
        self.drainBlocksUntilForced = drainBlocksUntilForced
    }

    func start() async throws {
        journal.append("start \(name)")
        if failStart { throw TestFailure("\(name) failed to start") }
    }

    func drain() async {
        journal.append("drain \(name)")
        drainStarted.signal()
        if drainBlocksUntilForced { await forced.wait(untilCount: 1) }
    }

    func forceStop() async {
        journal.append("force \(name)")
        forced.signal()
    }
}

/// A thread-safe list of events.
final class Journal: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ e: String) { entries.withLock { $0.append(e) } }
    var all: [String] { entries.withLock { $0 } }
}
