#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator tuning for the numeric workload.
public enum Memory {
    /// Keeps large freed blocks in the heap instead of returning them to the OS.
    ///
    /// Each training batch allocates and frees hundreds of multi-megabyte matrices. glibc serves
    /// blocks above its mmap threshold with fresh `mmap`s, so every one of them page-faults and is
    /// zeroed by the kernel again (≈ 20% of a batch in `perf` at ml-100k). Raising the mmap and trim
    /// thresholds lets those blocks be reused. The threshold is capped at 32 MiB, and one `[N, 64]`
    /// table of a million-node graph is 256 MiB: there every matrix was a fresh mapping (13 M page
    /// faults, 30% of the CPU time in the kernel per batch), so mmap is switched off altogether and
    /// large blocks come from the heap too, and the heap is never trimmed, so it is reused from batch
    /// to batch instead of being faulted in again (RSS stays at its peak, which a training process
    /// reaches in its first batch anyway). Idempotent; a no-op off glibc.
    public static func retainFreedPages() {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module does not export.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "mallopt") else { return }
        let mallopt = unsafeBitCast(sym, to: MallOpt.self)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        let mmapMax: Int32 = -4  // M_MMAP_MAX
        _ = mallopt(mmapThreshold, 32 << 20)  // glibc caps it at 32 MiB on 64-bit
        _ = mallopt(trimThreshold, -1)  // never trim the heap top (a freed tape is GBs at 1M nodes)
        _ = mallopt(mmapMax, 0)  // no mmap-served blocks at all: every size is reused from the heap
        #endif
    }
}
