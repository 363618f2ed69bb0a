import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecGraphService
import KGRecServiceKit
import KGRecServing
import KGRecWire
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `DurableLog.FileIO` over the real system calls, except that while a fault is armed, calls of
/// its kind fail with its `errno` (after letting `skip` of them through), as a full or failing
/// disk does until space is freed. Counts the failures it injected, so a test can tell that the
/// fault was actually hit.
final class FaultyLogIO: Sendable {
    enum Call: Sendable { case write, fdatasync, fsync, rename }
    private struct Fault { var call: Call; var errno: Int32; var skip: Int }
    private let fault = Mutex<Fault?>(nil)
    private let failures = Atomic<Int>(0)

    /// Failures injected so far.
    var injected: Int { failures.load(ordering: .relaxed) }

    /// From now on, `call` fails with `code`, except for the next `skip` calls of it.
    func fail(_ call: Call, with code: Int32, after skip: Int = 0) {
        fault.withLock { $0 = Fault(call: call, errno: code, skip: skip) }
    }

    /// The disk works again.
    func clear() { fault.withLock { $0 = nil } }

    /// The errno `call` must fail with now, or nil.
    private func failure(for call: Call) -> Int32? {
        fault.withLock { f -> Int32? in
            guard var armed = f, armed.call == call else { return nil }
            if armed.skip > 0 {
                armed.skip -= 1
                f = armed
                return nil
            }
            failures.add(1, ordering: .relaxed)
            return armed.errno
        }
    }

    var io: DurableLog.FileIO {
        let real = DurableLog.FileIO.system
        return DurableLog.FileIO(
            write: { [self] fd, bytes, count in
                if let e = failure(for: .write) { errno = e; return -1 }
                return real.write(fd, bytes, count)
            },
            fdatasync: { [self] fd in
                if let e = failure(for: .fdatasync) { errno = e; return -1 }
                return real.fdatasync(fd)
            },
            fsync: { [self] fd in
                if let e = failure(for: .fsync) { errno = e; return -1 }
                return real.fsync(fd)
            },
            rename: { [self] from, to in
                if let e = failure(for: .rename) { errno = e; return -1 }
                return real.rename(from, to)
            })
    }
}

/// What a full (ENOSPC) or failing (EIO) disk under the interaction log does to AddInteractions
/// over RPC, and to the start-up compaction: nothing unlogged is applied or acknowledged, and a
/// restart replays exactly what was acknowledged.
@Suite struct GraphLogStorageFaultTests {
    @Test(arguments: [FaultyLogIO.Call.write, .fdatasync], [ENOSPC, EIO])
    func aFullOrFailingLogDiskAnswersUnavailableAppliesNothingAndARestartHasExactlyTheAcknowledgedUpdates(
        call: FaultyLogIO.Call, code: Int32) async throws {
        let fixture = try ServingFixture()
        let faults = FaultyLogIO()
        let h = try await GraphHarness(fixture: fixture, logIO: faults.io)
        #expect(try await h.add(h.coldItemRequest(item: "cold-1", user: "new-user-1")).version == 2)

        faults.fail(call, with: code)
        let reason = String(cString: strerror(code))
        await #expect { try await h.add(h.coldItemRequest(item: "cold-2", user: "new-user-2")) } throws: {
            guard let e = $0 as? RPCError else { return false }
            return e.code == .unavailable && e.message.contains("storage is full or failing")
                && e.message.contains("nothing was applied") && e.message.contains(reason)
        }
        #expect(faults.injected == 1)
        let during = try await h.get(users: ["new-user-1", "new-user-2"], items: ["cold-1", "cold-2"])
        #expect(during.version == 2)
        #expect(during.unknownUserIds == ["new-user-2"] && during.unknownItemIds == ["cold-2"])

        // Space is freed: the next update is logged and published right after the first.
        faults.clear()
        #expect(try await h.add(h.coldItemRequest(item: "cold-3", user: "new-user-3")).version == 3)
        let before = try await h.export().flatMap(\.seen)
        await h.stop()

        let again = try await GraphHarness(fixture: fixture)
        let after = try await again.get(users: ["new-user-1", "new-user-2", "new-user-3"], items: ["cold-1", "cold-2", "cold-3"])
        #expect(after.version == 3)
        #expect(after.unknownUserIds == ["new-user-2"] && after.unknownItemIds == ["cold-2"])
        #expect(try await again.export().flatMap(\.seen) == before)
        await again.stop()
        let (_, replay) = try DurableLog.open(path: h.logPath)
        #expect(replay.records.count == 3 && replay.droppedTailBytes == 0)  // header + the two acknowledged updates
    }

    /// Where a start-up compaction is made to fail.
    struct CompactionFault: Sendable, CustomTestStringConvertible {
        let call: FaultyLogIO.Call
        /// Calls of `call` that succeed first (1 fsync: the new file's, so the directory's fails).
        let skip: Int
        /// Whether the compacted file had replaced the log when the step failed.
        let renamed: Bool
        let testDescription: String
        static let all = [
            CompactionFault(call: .write, skip: 0, renamed: false, testDescription: "write of the compacted file"),
            CompactionFault(call: .fsync, skip: 0, renamed: false, testDescription: "fsync of the compacted file"),
            CompactionFault(call: .rename, skip: 0, renamed: false, testDescription: "rename over the log"),
            CompactionFault(call: .fsync, skip: 1, renamed: true, testDescription: "fsync of the directory after the rename"),
        ]
    }

    @Test(arguments: CompactionFault.all)
    func aCompactionThatFailsAtAnyStepIsAWarningAndTheGraphServesTheUncompactedLogsState(fault: CompactionFault) async throws {
        let fixture = try ServingFixture()
        let compactAbove2: (inout GraphOptions, inout ServerConfig) -> Void = { o, _ in o.logCompactRecords = 2 }
        let users = (1...3).map { "new-user-\($0)" }, items = (1...3).map { "cold-\($0)" }
        let first = try await GraphHarness(fixture: fixture, configure: compactAbove2)
        for k in 0..<3 { _ = try await first.add(first.coldItemRequest(item: items[k], user: users[k])) }
        let before = try await first.get(users: users, items: items)
        #expect(before.version == 4)
        let seenBefore = try await first.export().flatMap(\.seen)
        await first.stop()
        let uncompacted = try Data(contentsOf: URL(fileURLWithPath: first.logPath))

        // Restart over the 3 update records (> 2, so it compacts) with the step failing.
        let faults = FaultyLogIO()
        faults.fail(fault.call, with: ENOSPC, after: fault.skip)
        let sink = MemoryLogSink()
        let h = try await GraphHarness(fixture: fixture, logIO: faults.io, logSink: sink, configure: compactAbove2)
        #expect(faults.injected == 1)
        #expect(h.server.health.status(of: Kgrec_V1_Graph.name) == .serving)
        #expect(sink.lines.contains { $0.contains("\"level\":\"warn\"") && $0.contains("compaction failed") })
        let served = try await h.get(users: users, items: items)
        #expect(served.version == 4 && served.unknownUserIds.isEmpty && served.unknownItemIds.isEmpty)
        let servedRows: [[Float]] = (served.users + served.items).map(GraphHarness.row)
        let beforeRows: [[Float]] = (before.users + before.items).map(GraphHarness.row)
        #expect(servedRows.count == 6 && servedRows.map(\.count) == beforeRows.map(\.count))
        let worst = zip(servedRows.joined(), beforeRows.joined()).map { (a: Float, b: Float) in abs(a - b) }.max() ?? .infinity
        #expect(worst < 1e-5)
        #expect(try await h.export().flatMap(\.seen) == seenBefore)
        #expect(access(DurableLog.compactPath(of: h.logPath), F_OK) != 0)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: h.logPath))
        // Before the rename the log is untouched; after it, the compacted file is the log.
        #expect((onDisk == uncompacted) == !fault.renamed)

        faults.clear()
        #expect(try await h.add(h.coldItemRequest(item: "cold-4", user: "new-user-4")).version == 5)
        await h.stop()
        let again = try await GraphHarness(fixture: fixture, configure: compactAbove2)
        let after = try await again.get(users: users + ["new-user-4"], items: items + ["cold-4"])
        #expect(after.version == 5 && after.unknownUserIds.isEmpty && after.unknownItemIds.isEmpty)
        await again.stop()
    }
}
