#if canImport(Glibc)
import Glibc
#endif
import KGRecModel  // CRC32
import Synchronization

/// An append-only, crash-safe record log. Each `append` writes one record with a single `write`
/// and `fdatasync`s it before returning, so a record whose append returned survives a crash.
///
/// File layout: the 8-byte magic `KGRLOG1\n`, then records of
/// `[UInt32 LE payload length][UInt32 LE CRC-32 of payload][payload]`.
/// On open, records are read back in order. A crash during an append can leave a torn last
/// record; the log truncates the file at the first record that is incomplete or fails its
/// checksum and reports how many bytes it dropped (`Replay.droppedTailBytes`), so the owner can
/// log it. Nothing whose append returned is ever in that tail.
public final class DurableLog: Sendable {
    public struct Replay: Sendable {
        /// Every intact record, oldest first.
        public var records: [[UInt8]]
        /// Bytes cut from a torn or corrupt tail (0 for a clean log).
        public var droppedTailBytes: Int
    }

    public struct LogError: Error, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    static let magic: [UInt8] = Array("KGRLOG1\n".utf8)
    /// Largest record accepted: a bigger length field can only be corruption.
    public static let maxRecordBytes = 64 << 20

    public let path: String
    private let fd: Mutex<Int32>

    /// Opens (creating if needed) the log at `path` and replays it.
    public static func open(path: String) throws -> (log: DurableLog, replay: Replay) {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogError(path: path, message: "cannot open: \(errnoText())") }
        do {
            let replay = try Self.recover(fd: fd, path: path)
            return (DurableLog(path: path, fd: fd), replay)
        } catch {
            close(fd)
            throw error
        }
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = Mutex(fd)
    }

    deinit { fd.withLock { _ = close($0) } }

    /// Appends one record and makes it durable before returning.
    public func append(_ payload: [UInt8]) throws {
        guard payload.count <= Self.maxRecordBytes else {
            throw LogError(path: path, message: "record of \(payload.count) bytes exceeds \(Self.maxRecordBytes)")
        }
        var record = [UInt8]()
        record.reserveCapacity(8 + payload.count)
        Self.appendLE(UInt32(payload.count), to: &record)
        Self.appendLE(CRC32.checksum(payload), to: &record)
        record += payload
        try fd.withLock { fd in
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else { throw LogError(path: path, message: "seek: \(Self.errnoText())") }
            do {
                try Self.writeAll(fd, record, path: path)
                guard fdatasync(fd) == 0 else {
                    throw LogError(path: path, message: "fdatasync: \(Self.errnoText())")
                }
            } catch {
                // Leave no partial record behind for the next append to follow.
                _ = ftruncate(fd, end)
                throw error
            }
        }
    }

    // MARK: - Recovery

    private static func recover(fd: Int32, path: String) throws -> Replay {
        let bytes = try readAll(fd, path: path)
        if bytes.isEmpty {
            try writeAll(fd, magic, path: path)
            guard fsync(fd) == 0 else { throw LogError(path: path, message: "fsync: \(errnoText())") }
            try syncDirectory(of: path)
            return Replay(records: [], droppedTailBytes: 0)
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            if bytes.count < magic.count, Array(magic[0..<bytes.count]) == bytes {
                // Torn while writing the magic of a new log.
                guard ftruncate(fd, 0) == 0 else { throw LogError(path: path, message: "truncate: \(errnoText())") }
                return try recover(fd: fd, path: path)
            }
            throw LogError(path: path, message: "not a KGRec durable log (bad magic)")
        }
        var records: [[UInt8]] = []
        var offset = magic.count
        while offset < bytes.count {
            guard offset + 8 <= bytes.count else { break }
            let length = Int(readLE(bytes, offset))
            let crc = readLE(bytes, offset + 4)
            guard length <= maxRecordBytes, offset + 8 + length <= bytes.count else { break }
            let payload = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32.checksum(payload) == crc else { break }
            records.append(payload)
            offset += 8 + length
        }
        let dropped = bytes.count - offset
        if dropped > 0 {
            guard ftruncate(fd, off_t(offset)) == 0, fsync(fd) == 0 else {
                throw LogError(path: path, message: "cannot truncate torn tail: \(errnoText())")
            }
        }
        return Replay(records: records, droppedTailBytes: dropped)
    }

    // MARK: - Helpers

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
                throw LogError(path: path, message: "read: \(errnoText())")
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            offset += off_t(n)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LogError(path: path, message: "write: \(errnoText())")
                }
                done += n
            }
        }
    }

    private static func syncDirectory(of path: String) throws {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = Glibc.open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { return }
        defer { close(dfd) }
        _ = fsync(dfd)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
