/// A message type the runtime can carry: protobuf bytes in, protobuf bytes out. Conformances live
/// in the codec module (KGRecWire); the runtime never imports protobuf.
public protocol GRPCMessage: Sendable {
    /// Decodes protobuf bytes. Throws `RPCError` (`.internal` or `.invalidArgument`) on bad input.
    init(serializedBytes: UnsafeRawBufferPointer) throws
    /// Encodes to protobuf bytes.
    func serializedBytes() -> [UInt8]
}

extension GRPCMessage {
    public init(serializedBytes bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try Self(serializedBytes: $0) }
    }
}

/// Raw protobuf bytes as a message: for generic clients (`kgrec call`, proxies, tests).
public struct RawMessage: GRPCMessage, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(serializedBytes: UnsafeRawBufferPointer) throws { bytes = Array(serializedBytes) }
    public func serializedBytes() -> [UInt8] { bytes }
}
