extension LocalTopology {
    /// A topology that could not start: a `code` saying which kind (what tests switch on), a
    /// description naming the service and its log file, and the error behind it, if any.
    struct StartError: Error, CustomStringConvertible {
        struct Code: Hashable, Sendable, CustomStringConvertible {
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
            static let missingExecutable = Code(.missingExecutable)
            /// A service's gRPC or admin port already taken by another process.
            static let portInUse = Code(.portInUse)
            /// The process could not be started; `cause` is the `ChildProcess.SpawnError`.
            static let spawnFailed = Code(.spawnFailed)
            /// The process ended before it answered SERVING.
            static let exited = Code(.exited)
            /// The process did not answer SERVING within the start timeout; `cause` is the last
            /// health-check `RPCError`, if the last answer was one.
            static let unhealthy = Code(.unhealthy)
            /// A signal arrived while waiting for a service.
            static let interrupted = Code(.interrupted)
            /// `restart` of a name that is no service of the topology.
            static let unknownService = Code(.unknownService)

            var description: String { kind.rawValue }
        }

        let code: Code
        let description: String
        let cause: (any Error)?

        init(_ code: Code, _ description: String, cause: (any Error)? = nil) {
            self.code = code
            self.description = description
            self.cause = cause
        }
    }
}
