/// A problem with input data: names the file, the 1-based line (0 when not line-specific) and what
/// is wrong. Loaders throw this instead of crashing on malformed input.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int = 0, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
