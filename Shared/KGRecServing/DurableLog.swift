#if canImport(Glibc)
import Glibc
#endif
import KGRecPOSIX  // SystemError
import KGRecTensor  // CRC32
import Synchronization

/// An append-only, crash-safe record log. Each `append` writes one record with a single `write`
/// and `fdatasync`s it before returning, so a record whose append returned survives a crash.
///
/// File layout: the 8-byte magic `KGRLOG1\n`, then records of
/// `[UInt32 LE payload length][UInt32 LE CRC-32 of payload][payload]`.
/// On open, records are read back in order. A crash during an append can leave a torn last
/// record; the log cuts such a *tail* (a last record that is incomplete or fails its checksum,
/// with no intact record after it) and reports how many bytes it dropped
/// (`Replay.droppedTailBytes`), so the owner can log it. Nothing whose append returned is ever in
/// that tail. A bad record with intact records after it is corruption, not a crash: `open`
/// throws naming its offset and the command that keeps the records before it.
///
/// The file is opened `O_APPEND` and held with an exclusive `flock` for the life of the log, so
/// a second process on the same file fails to open it instead of interleaving records. An
/// append that fails is rolled back (`ftruncate` to where it began); if even that fails the log
/// refuses every later append (the file's end is unknown) until the process restarts and recovers.
///
/// `compact(keeping:)` replaces the whole log atomically: the new content is written to
/// `PATH.compact`, fsynced and locked, renamed over `PATH`, and the directory is fsynced. A crash
/// leaves either the old log (and a stale `PATH.compact`, which the next `open` removes once it
/// holds the log's lock) or the new one, never a mix.
public final class DurableLog: Sendable {
    public struct Replay: Sendable {
        /// Every intact record, oldest first.
        public var records: [[UInt8]]
        /// Bytes cut from a torn or corrupt tail (0 for a clean log).
        public var droppedTailBytes: Int
    }

    public struct LogError: Error, CustomStringConvertible {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: String {
                case locked = "locked"
                case notALog = "not a log"
                case corrupt = "corrupt"
                case refused = "refused"
                case recordTooLarge = "record too large"
                case systemCall = "system call failed"
            }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }

            /// Another process (or another open in this one) holds the log's exclusive lock.
            public static let locked = Code(.locked)
            /// The file does not start with the log's magic bytes.
            public static let notALog = Code(.notALog)
            /// A damaged record with intact records after it: not a torn tail, nothing was cut.
            public static let corrupt = Code(.corrupt)
            /// A failed append could not be rolled back, or the log was closed: it takes no more writes.
            public static let refused = Code(.refused)
            /// A record over `maxRecordBytes`.
            public static let recordTooLarge = Code(.recordTooLarge)
            /// A system call on the log failed; `cause` is its `SystemError`.
            public static let systemCall = Code(.systemCall)

            public var description: String { kind.rawValue }
        }

        public let code: Code
        public let path: String
        public let message: String
        /// The `errno` of the failed system call (EIO for a log that refuses writes, 0 when the
        /// problem is the file's content).
        public let errno: Int32
        /// The failed system call (`SystemError`) behind a `systemCall` error.
        public let cause: (any Error)?
        public var description: String { "\(path): \(message)" }

        init(_ code: Code, path: String, message: String, errno: Int32 = 0) {
            self.code = code
            self.path = path
            self.message = message
            self.errno = errno
            self.cause = nil
        }

        /// `call` on the log at `path` failed with `errno` (read at once, so pass it before any other
        /// call can change it): "PATH: WHAT: strerror".
        static func failed(_ path: String, _ what: String, call: String, errno e: Int32 = Glibc.errno) -> LogError {
            LogError(path: path, message: "\(what): \(String(cString: strerror(e)))", errno: e, cause: SystemError(call, errno: e))
        }

        private init(path: String, message: String, errno: Int32, cause: SystemError) {
            self.code = .systemCall
            self.path = path
            self.message = message
            self.errno = errno
            self.cause = cause
        }

        /// The disk is full or failing (ENOSPC, EDQUOT, EIO): retrying later may succeed.
        public var isStorageFailure: Bool { [ENOSPC, EDQUOT, EIO].contains(errno) }
    }

    private struct State {
        var fd: Int32
        /// Set when a failed append could not be rolled back: the log takes no more appends.
        var broken: String?
    }

    static let magic: [UInt8] = Array("KGRLOG1\n".utf8)
    /// Largest record accepted: a bigger length field can only be corruption.
    public static let maxRecordBytes = 64 << 20

    public let path: String
    private let io: FileIO
    private let state: Mutex<State>

    /// Opens (creating if needed) the log at `path`, takes its exclusive lock and replays it.
    /// `io` is the system calls that change the file (`.system`; tests inject failing ones).
    public static func open(path: String, io: FileIO = .system) throws -> (log: DurableLog, replay: Replay) {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogError.failed(path, "cannot open", call: "open") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            guard e == EWOULDBLOCK else { throw LogError.failed(path, "cannot lock", call: "flock", errno: e) }
            throw LogError(.locked, path: path, message: "is in use by another process (another kgrec-graph with the same --log?); one log, one writer",
                           errno: e)
        }
        do {
            // Holding the lock, nobody is compacting: a `.compact` file is a crashed compaction's.
            if unlink(compactPath(of: path)) != 0 && errno != ENOENT {
                throw LogError.failed(path, "cannot remove the stale \(compactPath(of: path))", call: "unlink")
            }
            let replay = try Self.recover(fd: fd, path: path, io: io)
            return (DurableLog(path: path, fd: fd, io: io), replay)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// A log over an open descriptor (no replay; tests use it with files that fail writes).
    init(path: String, fd: Int32, io: FileIO = .system) {
        self.path = path
        self.io = io
        self.state = Mutex(State(fd: fd))
    }

    deinit { close() }

    /// Closes the file (releasing its lock, so another process or a restarted owner can open
    /// it); later appends fail. Idempotent.
    public func close() {
        state.withLock { st in
            if st.fd >= 0 { _ = Glibc.close(st.fd) }
            st.fd = -1
            if st.broken == nil { st.broken = "the log was closed" }
        }
    }

    /// Appends one record and makes it durable before returning.
    public func append(_ payload: [UInt8]) throws {
        var record = [UInt8]()
        record.reserveCapacity(8 + payload.count)
        try appendRecord(payload, to: &record)
        try state.withLock { st in
            if let broken = st.broken {
                throw LogError(.refused, path: path, message: "refuses appends: \(broken); restart the service to recover the log",
                               errno: EIO)
            }
            let fd = st.fd
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else { throw LogError.failed(path, "seek", call: "lseek") }
            do {
                try Self.writeAll(fd, record, path: path, io: io)
                guard io.fdatasync(fd) == 0 else {
                    throw LogError.failed(path, "fdatasync", call: "fdatasync")
                }
            } catch {
                // Leave no partial record behind for the next append to follow; if that fails
                // too, the file's end is unknown and nothing more may be appended.
                if ftruncate(fd, end) != 0 {
                    st.broken = "a failed append could not be rolled back to offset \(end) (\(Self.errnoText()))"
                }
                throw error
            }
        }
    }

    /// Where `compact` writes the new log before renaming it over `path`.
    public static func compactPath(of path: String) -> String { path + ".compact" }

    /// Replaces every record of the log with `records` (oldest first), atomically and durably:
    /// after it returns, a reopen replays exactly `records`; a crash before it returns leaves the
    /// old log or the new one. Later appends go to the new file. Any failed step throws and leaves
    /// the old log in use, unchanged.
    public func compact(keeping records: [[UInt8]]) throws {
        var content = Self.magic
        for payload in records { try appendRecord(payload, to: &content) }
        let temp = Self.compactPath(of: path)
        try state.withLock { st in
            if let broken = st.broken {
                throw LogError(.refused, path: path, message: "refuses compaction: \(broken)", errno: EIO)
            }
            let fd = Glibc.open(temp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LogError.failed(temp, "cannot create", call: "open") }
            var renamed = false
            do {
                // Locked before it becomes the log, so no other process can open it unlocked.
                guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                    throw LogError.failed(temp, "cannot lock", call: "flock")
                }
                try Self.writeAll(fd, content, path: temp, io: io)
                guard io.fsync(fd) == 0 else { throw LogError.failed(temp, "fsync", call: "fsync") }
                guard io.rename(temp, path) == 0 else {
                    throw LogError.failed(temp, "cannot rename over \(path)", call: "rename")
                }
                renamed = true
                try Self.syncDirectory(of: path, io: io)
            } catch {
                if !renamed {
                    _ = Glibc.close(fd)
                    _ = unlink(temp)
                    throw error
                }
                // Renamed but the directory fsync failed: the new file is the log now (a crash
                // may still bring back the old one, which holds the same state).
                _ = Glibc.close(st.fd)
                st.fd = fd
                throw error
            }
            _ = Glibc.close(st.fd)
            st.fd = fd
        }
    }

    // MARK: - Recovery

    private static func recover(fd: Int32, path: String, io: FileIO) throws -> Replay {
        let bytes = try readAll(fd, path: path)
        if bytes.isEmpty {
            try writeAll(fd, magic, path: path, io: io)
            guard io.fsync(fd) == 0 else { throw LogError.failed(path, "fsync", call: "fsync") }
            try syncDirectory(of: path, io: io)
            return Replay(records: [], droppedTailBytes: 0)
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            if bytes.count < magic.count, Array(magic[0..<bytes.count]) == bytes {
                // Torn while writing the magic of a new log.
                guard ftruncate(fd, 0) == 0 else { throw LogError.failed(path, "truncate", call: "ftruncate") }
                return try recover(fd: fd, path: path, io: io)
            }
            throw LogError(.notALog, path: path, message: "not a KGRec durable log (bad magic)")
        }
        var records: [[UInt8]] = []
        var offset = magic.count
        while let payload = record(in: bytes, at: offset) {
            records.append(payload)
            offset += 8 + payload.count
        }
        let dropped = bytes.count - offset
        if dropped > 0, let why = notATornTail(bytes, at: offset) {
            throw LogError(.corrupt, path: path, message: "corrupt record at offset \(offset) (\(records.count) intact records "
                           + "before it; \(why)): not a torn tail, so nothing was cut. To keep the records before "
                           + "it and drop the rest, back up the file and run `truncate -s \(offset) \(path)`")
        }
        if dropped > 0 {
            guard ftruncate(fd, off_t(offset)) == 0, io.fsync(fd) == 0 else {
                throw LogError.failed(path, "cannot truncate torn tail", call: "ftruncate")
            }
        }
        return Replay(records: records, droppedTailBytes: dropped)
    }

    /// The intact record (length, checksum and payload all present and matching) at `offset`.
    private static func record(in bytes: [UInt8], at offset: Int) -> [UInt8]? {
        guard offset + 8 <= bytes.count else { return nil }
        let length = Int(readLE(bytes, offset))
        guard length <= maxRecordBytes, offset + 8 + length <= bytes.count else { return nil }
        let payload = Array(bytes[(offset + 8)..<(offset + 8 + length)])
        return CRC32.checksum(payload) == readLE(bytes, offset + 4) ? payload : nil
    }

    /// Why the bytes from the bad record at `offset` on cannot be a torn tail, or nil if they can.
    /// A torn tail is what one interrupted append leaves: less than one record, no intact record
    /// inside it.
    private static func notATornTail(_ bytes: [UInt8], at offset: Int) -> String? {
        let rest = bytes.count - offset
        if rest > 8 + maxRecordBytes { return "\(rest) bytes follow it, more than one append writes" }
        var p = offset + 1
        while p + 8 <= bytes.count {
            // An empty record (length 0, CRC 0) is too easy to find in zero-filled garbage.
            if readLE(bytes, p) > 0, record(in: bytes, at: p) != nil { return "an intact record follows at offset \(p)" }
            p += 1
        }
        return nil
    }

    // MARK: - Helpers

    /// Frames `payload` as one record (`[length][CRC-32][payload]`) at the end of `out`.
    private func appendRecord(_ payload: [UInt8], to out: inout [UInt8]) throws {
        guard payload.count <= Self.maxRecordBytes else {
            throw LogError(.recordTooLarge, path: path, message: "record of \(payload.count) bytes exceeds \(Self.maxRecordBytes)")
        }
        Self.appendLE(UInt32(payload.count), to: &out)
        Self.appendLE(CRC32.checksum(payload), to: &out)
        out += payload
    }

    private static func appendLE(_ v: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    private static func readLE(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    private static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogError.failed(path, "read", call: "pread")
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            offset += off_t(n)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String, io: FileIO) throws {
        try bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = io.write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LogError.failed(path, "write", call: "write")
                }
                done += n
            }
        }
    }

    /// fsyncs the directory holding `path`, so a newly created file survives a crash.
    private static func syncDirectory(of path: String, io: FileIO) throws {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = Glibc.open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw LogError.failed(path, "cannot open its directory", call: "open") }
        defer { _ = Glibc.close(dfd) }
        guard io.fsync(dfd) == 0 else { throw LogError.failed(path, "fsync of its directory", call: "fsync") }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension DurableLog {
    /// The system calls through which the log changes its files: `write`, `fdatasync` (appends),
    /// `fsync` (new and compacted files, their directory) and `rename` (compaction). `.system` is
    /// the real calls, what every service uses; a test substitutes calls that fail with an
    /// `errno` (ENOSPC, EIO) to prove what a full or failing disk does. A failing call sets
    /// `errno` and returns -1, as the system call does.
    public struct FileIO: Sendable {
        public var write: @Sendable (_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int
        public var fdatasync: @Sendable (_ fd: Int32) -> Int32
        public var fsync: @Sendable (_ fd: Int32) -> Int32
        public var rename: @Sendable (_ from: String, _ to: String) -> Int32

        public init(write: @escaping @Sendable (Int32, UnsafeRawPointer, Int) -> Int,
                    fdatasync: @escaping @Sendable (Int32) -> Int32,
                    fsync: @escaping @Sendable (Int32) -> Int32,
                    rename: @escaping @Sendable (String, String) -> Int32) {
            self.write = write
            self.fdatasync = fdatasync
            self.fsync = fsync
            self.rename = rename
        }

        public static let system = FileIO(write: { Glibc.write($0, $1, $2) }, fdatasync: { Glibc.fdatasync($0) },
                                          fsync: { Glibc.fsync($0) }, rename: { Glibc.rename($0, $1) })
    }
}
