/// A problem with a text model folder, its files or the text given to it: names the file (or the
/// input) and what is wrong.
public struct TextModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
