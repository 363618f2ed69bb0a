#if canImport(Glibc)
import Glibc
#endif
import KGRecPOSIX
import KGRecTensor
import Testing
@testable import KGRecServing

@Suite struct DurableLogTests {
    private func tempPath() -> String {
        var template = Array("/tmp/kgrec-log-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        close(fd)
        let path = String(cString: template)
        unlink(path)
        return path
    }

    private func fileBytes(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: 1 << 16)
        let n = read(fd, &out, out.count)
        return Array(out[0..<max(n, 0)])
    }

    private func appendRaw(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_APPEND)
        _ = write(fd, bytes, bytes.count)
        close(fd)
    }

    @Test func appendedRecordsAreReplayedInOrderAfterReopen() throws {
        let path = tempPath()
        defer { unlink(path) }
        do {
            let (log, replay) = try DurableLog.open(path: path)
            #expect(replay.records.isEmpty)
            try log.append([1, 2, 3])
            try log.append([])
            try log.append(Array(repeating: 7, count: 100_000))
        }
        let (_, replay) = try DurableLog.open(path: path)
        #expect(replay.records.count == 3)
        #expect(replay.records[0] == [1, 2, 3])
        #expect(replay.records[1] == [])
        #expect(replay.records[2] == Array(repeating: 7, count: 100_000))
        #expect(replay.droppedTailBytes == 0)
    }

    @Test func tornTailIsTruncatedAndLaterAppendsSurvive() throws {
        let path = tempPath()
        defer { unlink(path) }
        do {
            let (log, _) = try DurableLog.open(path: path)
            try log.append([9, 9])
        }
        // A crash mid-append: a header promising 50 bytes and only 3 of them.
        appendRaw(path, [50, 0, 0, 0, 1, 2, 3, 4, 0xAA, 0xBB, 0xCC])
        do {
            let (log, replay) = try DurableLog.open(path: path)
            #expect(replay.records == [[9, 9]])
            #expect(replay.droppedTailBytes == 11)
            try log.append([4])
        }
        let (_, replay) = try DurableLog.open(path: path)
        #expect(replay.records == [[9, 9], [4]])
        #expect(replay.droppedTailBytes == 0)
    }

    @Test func recordWithBadChecksumEndsTheReplay() throws {
        let path = tempPath()
        defer { unlink(path) }
        do {
            let (log, _) = try DurableLog.open(path: path)
            try log.append([1])
        }
        appendRaw(path, [2, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 5, 6])
        let (_, replay) = try DurableLog.open(path: path)
        #expect(replay.records == [[1]])
        #expect(replay.droppedTailBytes == 10)
        #expect(fileBytes(path).count == 8 + 8 + 1)
    }

    @Test func foreignFileIsRejectedWithItsPath() throws {
        let path = tempPath()
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        _ = write(fd, "hello world, not a log", 22)
        close(fd)
        #expect {
            _ = try DurableLog.open(path: path)
        } throws: { error in
            let e = error as? DurableLog.LogError
            return e?.code == .notALog && e?.path == path
        }
    }

    @Test func checksumMatchesZlibCRC32() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }
}

/// One writer, no silent loss, no appends after a failed rollback.
extension DurableLogTests {
    private func overwrite(_ path: String, at offset: Int, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY)
        _ = pwrite(fd, bytes, bytes.count, off_t(offset))
        close(fd)
    }

    private func size(_ path: String) -> Int {
        var st = stat()
        stat(path, &st)
        return Int(st.st_size)
    }

    @Test func secondOpenerOfALogFailsWhileTheFirstHoldsIt() throws {
        let path = tempPath()
        defer { unlink(path) }
        do {
            let (first, _) = try DurableLog.open(path: path)
            try first.append([1])
            #expect {
                _ = try DurableLog.open(path: path)
            } throws: { error in
                let e = error as? DurableLog.LogError
                return e?.code == .locked && e?.path == path
            }
            try first.append([2])   // the holder is unaffected
        }
        let (_, replay) = try DurableLog.open(path: path)   // the lock died with its holder
        #expect(replay.records == [[1], [2]])
    }

    @Test func corruptionBeforeIntactRecordsStopsOpenNamingTheOffsetAndCutsNothing() throws {
        let path = tempPath()
        defer { unlink(path) }
        do {
            let (log, _) = try DurableLog.open(path: path)
            try log.append([1, 1, 1])
            try log.append([2, 2, 2])
            try log.append([3, 3, 3])
        }
        let before = size(path)
        let second = 8 + (8 + 3)   // magic, first record
        overwrite(path, at: second + 8, [0xFF])   // a payload byte of the second record
        #expect {
            _ = try DurableLog.open(path: path)
        } throws: { error in
            // The code, and the recovery command the message documents (the operator's contract).
            let e = error as? DurableLog.LogError
            return e?.code == .corrupt && e?.path == path && e!.message.contains("truncate -s \(second) \(path)")
        }
        #expect(size(path) == before)   // acknowledged records after it are still there
        // The documented recovery keeps the records before the corruption.
        #expect(truncate(path, off_t(second)) == 0)
        let (_, replay) = try DurableLog.open(path: path)
        #expect(replay.records == [[1, 1, 1]])
    }

    @Test func failedRollbackMakesTheLogRefuseAppends() throws {
        // /dev/full: every write fails with ENOSPC and ftruncate fails, so the rollback fails too.
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        let log = DurableLog(path: "/dev/full", fd: fd)
        #expect {
            try log.append([1, 2, 3])
        } throws: { error in
            let e = error as? DurableLog.LogError
            return e?.code == .systemCall && e?.isStorageFailure == true && (e?.cause as? SystemError) == SystemError("write", errno: ENOSPC)
        }
        #expect {
            try log.append([4])
        } throws: { error in
            let e = error as? DurableLog.LogError
            return e?.code == .refused && e?.isStorageFailure == true
        }
    }

    @Test func compactedLogReplaysExactlyTheKeptRecordsAndTakesLaterAppends() throws {
        let path = tempPath()
        defer { unlink(path) }
        do {
            let (log, _) = try DurableLog.open(path: path)
            for k in 0..<10 { try log.append([UInt8(k)]) }
            try log.compact(keeping: [[0], Array(1..<10)])
            // The new file is locked too: a second opener still fails.
            #expect { _ = try DurableLog.open(path: path) } throws: { ($0 as? DurableLog.LogError)?.code == .locked }
            try log.append([42])
        }
        #expect(access(DurableLog.compactPath(of: path), F_OK) != 0)
        let (_, replay) = try DurableLog.open(path: path)
        #expect(replay.records == [[0], Array(1..<10), [42]])
        #expect(replay.droppedTailBytes == 0)
    }

    @Test func staleCompactFileFromACrashBeforeTheRenameIsRemovedAtOpenAndTheLogIsIntact() throws {
        let path = tempPath()
        let stale = DurableLog.compactPath(of: path)
        defer { unlink(path); unlink(stale) }
        do {
            let (log, _) = try DurableLog.open(path: path)
            try log.append([1, 2])
            try log.append([3])
        }
        // A compaction that crashed mid-write: part of a new log beside the real one.
        let fd = open(stale, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = write(fd, Array("KGRLOG1\n".utf8) + [9, 0, 0, 0, 1], 13)
        close(fd)
        let (_, replay) = try DurableLog.open(path: path)
        #expect(replay.records == [[1, 2], [3]])
        #expect(access(stale, F_OK) != 0)
    }
}
