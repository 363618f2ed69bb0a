import KGRecServiceKit

/// A `kgrec` command-line mistake is a `ConfigError`, the one error type for flags, env vars and
/// usage of services and CLI alike: its `code` says which kind of mistake (what tests assert
/// on), its message names the flag; `runCommand` turns it into exit code 2.
typealias UsageError = ConfigError

extension ConfigError {
    /// A command-specific mistake, e.g. a value the command cannot use or two flags that
    /// exclude each other (`invalidValue`).
    init(_ message: String) { self.init(.invalidValue, message) }
}

extension CommandFlags {
    typealias UsageError = KGRecCLI.UsageError
}
