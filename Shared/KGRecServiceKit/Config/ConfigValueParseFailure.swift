/// Why a piece of option text did not parse (the caller adds the option's name and value).
public struct ConfigValueParseFailure: Error, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}
