/// The model commands' (synth, split, train, eval, ablate, breakdown, demo) name for
/// `CommandFlags`, the one flag parser of every `kgrec` subcommand: their flag lists stay
/// `[ModelFlags.Spec]` in each command's own file, `ModelFlags.UsageError` is the CLI's
/// `UsageError` (a `ConfigError`), `runCommand` (Flags/RunCommand.swift) runs them.
typealias ModelFlags = CommandFlags
