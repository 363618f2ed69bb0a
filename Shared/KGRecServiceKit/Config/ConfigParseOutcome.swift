/// What parsing a command line asked for: run with a configuration, or print something and exit 0.
public enum ConfigParseOutcome: Sendable {
    case run(ServiceConfig)
    /// `--help` / `-h`: the generated usage text.
    case help(String)
    /// `--print-flags-json`: every option with its flag, env var, type and default, as JSON.
    case printFlagsJSON(String)
}
