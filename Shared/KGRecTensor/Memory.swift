#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator tuning for the numeric workload.
public enum Memory {
    /// Keeps large freed blocks in the heap instead of returning them to the OS.
    ///
    /// Each training batch allocates and frees hundreds of multi-megabyte matrices. glibc serves
    /// blocks above its mmap threshold with fresh `mmap`s, so every one of them page-faults and is
    /// zeroed by the kernel again (≈ 20% of a batch in `perf`). Raising the mmap and trim thresholds
    /// lets those blocks be reused. Idempotent; a no-op off glibc.
    public static func retainFreedPages() {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module does not export.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "mallopt") else { return }
        let mallopt = unsafeBitCast(sym, to: MallOpt.self)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)  // glibc caps it at 32 MiB on 64-bit
        _ = mallopt(trimThreshold, 1 << 30)
        #endif
    }
}
