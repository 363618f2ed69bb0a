extension ChildProcess {
    /// A process that could not be started: a `code` saying which step failed (what tests switch
    /// on), a description naming the service, and the failed system call (`SystemError`) as `cause`.
    typealias SpawnError = CodedError<SpawnErrorCode>

    /// What a `SpawnError`'s `code` says.
    struct SpawnErrorCode: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case logUnwritable = "log unwritable"
            case spawnFailed = "spawn failed"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The log file the output goes to could not be opened for appending.
        static let logUnwritable = Self(.logUnwritable)
        /// `posix_spawn` failed (no such executable, not executable, no resources).
        static let spawnFailed = Self(.spawnFailed)

        var description: String { kind.rawValue }
    }
}
