import Dispatch

/// Splits work across the machine's cores with `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// Number of worker chunks used for parallel loops (the active core count, at least 1).
    nonisolated(unsafe) public static var threadCount: Int = max(1, activeCores())

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when each chunk gets at
    /// least `grain` iterations; otherwise on the calling thread as one range.
    @inline(__always)
    public static func forRanges(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, count / max(grain, 1))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                box.value(count * c / chunks..<count * (c + 1) / chunks)
            }
        }
    }

    /// Calls `body(chunk, range)` for exactly `chunks` disjoint ranges covering `0..<count`, in
    /// parallel; `chunk` indexes per-thread scratch space.
    public static func forChunks(_ count: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        if chunks <= 1 { body(0, 0..<count); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                box.value(c, count * c / chunks..<count * (c + 1) / chunks)
            }
        }
    }

    private static func activeCores() -> Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }
}

/// Carries a non-Sendable loop body into `concurrentPerform`: callers hand each chunk disjoint
/// memory, which is what makes the parallel loops race-free.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
#endif
