import KGRecCLI

KGRecCommandLine.main(CommandLine.arguments)
