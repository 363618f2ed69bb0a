#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One spare arena chunk per thread. Without it every encode or decode of a big message (an
/// embedding batch) took fresh pages from malloc and page-faulted them in again; with it the
/// steady state reuses one warm chunk per thread. Chunks carry a 16-byte header: the next-chunk
/// link (offset 0) and the chunk's byte capacity (offset 8). Memory held: at most `maxBytes` per
/// thread that ever decoded or encoded a message, freed when the thread exits.
enum WireChunkCache {
    /// The largest chunk kept as a spare; bigger ones go back to malloc at once.
    static let maxBytes = 8 << 20

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { free($0) }
        precondition(rc == 0, "KGRecWire: pthread_key_create failed (\(rc))")
        return key
    }()

    static func capacity(of chunk: UnsafeMutableRawPointer) -> Int {
        chunk.load(fromByteOffset: 8, as: Int.self)
    }

    /// The thread's spare chunk if it holds at least `bytes` (header included), else nil.
    static func take(atLeast bytes: Int) -> UnsafeMutableRawPointer? {
        guard let spare = pthread_getspecific(key), capacity(of: spare) >= bytes else { return nil }
        pthread_setspecific(key, nil)
        return spare
    }

    /// Returns a chunk: kept as the thread's spare if it is the biggest seen (within `maxBytes`),
    /// freed otherwise.
    static func give(_ chunk: UnsafeMutableRawPointer) {
        let bytes = capacity(of: chunk)
        guard bytes <= maxBytes else { return free(chunk) }
        if let spare = pthread_getspecific(key) {
            if capacity(of: spare) >= bytes { return free(chunk) }
            free(spare)
        }
        pthread_setspecific(key, chunk)
    }
}
