import Synchronization
import Testing
@testable import KGRecModel

/// Long runs show progress in a log file too, not only on a terminal; a terminal is redrawn in place.
@Suite struct ProgressLineTests {
    /// A clock that moves only when told, and everything written.
    final class Fake: Sendable {
        let nanos = Atomic<UInt64>(1_000_000_000)
        let written = Mutex<[String]>([])
        func advance(seconds: Double) { nanos.add(UInt64(seconds * 1e9), ordering: .relaxed) }
        func line(terminal: Bool, pipeInterval: Double = 30) -> ProgressLine {
            ProgressLine(terminal: terminal, pipeInterval: pipeInterval, clock: { self.nanos.load(ordering: .relaxed) },
                         sink: { s in self.written.withLock { $0.append(s) } })
        }
    }

    static func run(_ p: ProgressLine, _ fake: Fake, updates: Int, every seconds: Double) {
        p.elapsedPerBatch = seconds
        for b in 1...updates {
            p.update(epoch: 1, epochs: 1, phase: "bpr", batch: b, batches: updates, loss: 0.5, examplesPerSecond: 4096)
            fake.advance(seconds: seconds)
        }
        p.update(epoch: 1, epochs: 1, phase: "bpr", batch: updates, batches: updates, loss: 0.5, examplesPerSecond: 4096, final: true)
    }

    @Test func onAPipeAFullLineIsWrittenAtTheStartAndThenEveryInterval() {
        let fake = Fake()
        // 100 batches of 1 s with a 30 s interval: lines at 0, 30, 60 and 90 s, then the final one.
        Self.run(fake.line(terminal: false), fake, updates: 100, every: 1)
        let out = fake.written.withLock { $0 }
        #expect(out.count == 5)
        #expect(out.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") && $0.contains("ex/s") })
        #expect(zip(out, [1, 31, 61, 91]).allSatisfy { line, batch in line.contains("bpr \(batch)/100") })
        #expect(out[1].contains("ETA 69.0s"))
        // The next phase's first batch is shown at once, not 30 s after the last line.
        let p = fake.line(terminal: false)
        p.update(epoch: 1, epochs: 1, phase: "bpr", batch: 1, batches: 2, loss: 0.5, examplesPerSecond: 1, final: true)
        p.update(epoch: 1, epochs: 1, phase: "kg", batch: 1, batches: 2, loss: 0.5, examplesPerSecond: 1)
        #expect(fake.written.withLock { $0.last?.contains("kg 1/2") } == true)
    }

    @Test func onATerminalTheLineIsRedrawnInPlaceAtMostFiveTimesASecond() {
        let fake = Fake()
        Self.run(fake.line(terminal: true), fake, updates: 10, every: 0.1)
        let out = fake.written.withLock { $0 }
        // Draws at 0, 0.2, 0.4, 0.6, 0.8 s, then the final line, which ends it.
        #expect(out.count == 6)
        #expect(out.allSatisfy { $0.hasPrefix("\r\u{1B}[K") })
        #expect(out.dropLast().allSatisfy { !$0.hasSuffix("\n") } && out.last!.hasSuffix("\n"))
    }
}
