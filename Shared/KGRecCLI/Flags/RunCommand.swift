import Dispatch

/// Runs a command body, printing errors as `kgrec NAME: message` and mapping them to exit codes:
/// a `UsageError` → 2 with a hint to `--help`, any other error → 1.
func runCommand(_ name: String, _ body: () throws -> Int32) -> Int32 {
    do { return try body() } catch let e as UsageError {
        FileHandleOutput.stderr("kgrec \(name): \(e.message)\n(kgrec \(name) --help lists the flags)\n")
        return 2
    } catch {
        FileHandleOutput.stderr("kgrec \(name): \(error)\n")
        return 1
    }
}

/// Runs async work from a synchronous command and returns its result (e.g. the exit code).
func blockingAsync<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = BlockingAsyncResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

private final class BlockingAsyncResult<T>: @unchecked Sendable { var value: T? }
