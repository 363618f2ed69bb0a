#if canImport(Glibc)
import Glibc
#endif
import KGRecPOSIX
import Synchronization

/// One service process started by `kgrec up`: spawned with `posix_spawn` in its own process
/// group (so a terminal's Ctrl-C reaches only `kgrec up`, which stops children in order), stdout
/// and stderr appended to `logPath`, reaped with `waitpid`.
final class ChildProcess: Sendable {
    let name: String
    let executable: String
    let arguments: [String]
    let logPath: String
    private let state = Mutex<(pid: pid_t, exit: Int32?)>((0, nil))

    init(name: String, executable: String, arguments: [String], logPath: String) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
    }

    var pid: pid_t { state.withLock { $0.pid } }

    /// Starts the process with `environment` (the parent's when nil).
    func start(environment: [String: String]? = nil) throws(SpawnError) {
        let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            throw SpawnError(.logUnwritable, "\(name): cannot open log file \(logPath): \(String(cString: strerror(e)))",
                             cause: SystemError("open", errno: e))
        }
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setpgroup(&attr, 0)
        // Children start with default signal dispositions and an empty mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let envStrings: [String]
        if let environment {
            envStrings = environment.map { "\($0.key)=\($0.value)" }
        } else {
            var list: [String] = []
            var p = environ
            while let s = p.pointee { list.append(String(cString: s)); p += 1 }
            envStrings = list
        }
        let envp = envStrings.map { strdup($0) } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        guard rc == 0 else {
            throw SpawnError(.spawnFailed, "\(name): cannot start \(executable): \(String(cString: strerror(rc)))",
                             cause: SystemError("posix_spawn", errno: rc))
        }
        state.withLock { $0 = (pid, nil) }
    }

    /// The exit status once the process has ended (reaps it), else nil. Signals are reported
    /// as 128 + signal number, like a shell.
    func poll() -> Int32? {
        state.withLock { s in
            if let e = s.exit { return e }
            guard s.pid > 0 else { return nil }
            var status: Int32 = 0
            let r = waitpid(s.pid, &status, WNOHANG)
            guard r == s.pid else { return nil }
            let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            s.exit = code
            return code
        }
    }

    var isRunning: Bool { pid > 0 && poll() == nil }

    func send(_ signal: Int32) {
        let pid = self.pid
        if pid > 0, poll() == nil { kill(pid, signal) }
    }

    /// Waits up to `timeout` for the process to end; returns its exit status or nil.
    func wait(timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            if let e = poll() { return e }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return poll()
    }

    /// SIGTERM, then SIGKILL if it has not ended after `grace`. Returns the exit status.
    @discardableResult
    func stop(grace: Duration) async -> Int32? {
        guard pid > 0 else { return nil }
        send(SIGTERM)
        if let e = await wait(timeout: grace) { return e }
        send(SIGKILL)
        return await wait(timeout: .seconds(5))
    }

    /// The last `lines` lines of the log, for error messages.
    func logTail(lines: Int = 8) -> String {
        guard let f = fopen(logPath, "r") else { return "" }
        defer { fclose(f) }
        fseek(f, 0, SEEK_END)
        let size = ftell(f)
        let start = max(0, size - 8192)
        fseek(f, start, SEEK_SET)
        var buf = [UInt8](repeating: 0, count: Int(size - start))
        let n = fread(&buf, 1, buf.count, f)
        let text = String(decoding: buf[..<n], as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }
}
