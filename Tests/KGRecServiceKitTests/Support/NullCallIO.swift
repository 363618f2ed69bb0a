import GRPCCore

/// A `ServerCallIO` with no request messages that discards responses.
final class NullCallIO: ServerCallIO {
    func receive() async throws -> [UInt8]? { nil }
    func send(_ payload: [UInt8], initialMetadata: Metadata) async throws {}
}
