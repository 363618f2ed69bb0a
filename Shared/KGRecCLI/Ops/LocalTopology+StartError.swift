extension LocalTopology {
    /// A topology that could not start: a `code` saying which kind (what tests switch on), a
    /// description naming the service and its log file, and the error behind it, if any.
    typealias StartError = CodedError<StartErrorCode>

    /// What a `StartError`'s `code` says.
    struct StartErrorCode: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case missingExecutable = "missing executable"
            case portInUse = "port in use"
            case spawnFailed = "spawn failed"
            case exited = "exited"
            case unhealthy = "unhealthy"
            case interrupted = "interrupted"
            case unknownService = "unknown service"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A service executable missing from the bin directory, or not executable.
        static let missingExecutable = Self(.missingExecutable)
        /// A service's gRPC or admin port already taken by another process.
        static let portInUse = Self(.portInUse)
        /// The process could not be started; `cause` is the `ChildProcess.SpawnError`.
        static let spawnFailed = Self(.spawnFailed)
        /// The process ended before it answered SERVING.
        static let exited = Self(.exited)
        /// The process did not answer SERVING within the start timeout; `cause` is the last
        /// health-check `RPCError`, if the last answer was one.
        static let unhealthy = Self(.unhealthy)
        /// A signal arrived while waiting for a service.
        static let interrupted = Self(.interrupted)
        /// `restart` of a name that is no service of the topology.
        static let unknownService = Self(.unknownService)

        var description: String { kind.rawValue }
    }
}
