/// The final status of an RPC: a code and a human-readable message.
public struct Status: Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String

    public init(code: StatusCode, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = Status(code: .ok)

    public var isOK: Bool { code == .ok }

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }
}
