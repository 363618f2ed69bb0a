/// The transport side of one server call, as the streaming handler wrappers see it. Implemented
/// by the HTTP/2 transport (and by test fakes); handlers use `RPCReader` / `RPCWriter` instead.
public protocol ServerCallIO: AnyObject, Sendable {
    /// The next request message's payload (prefix stripped), or nil after the client's
    /// END_STREAM. Throws `RPCError` (e.g. CANCELLED, RESOURCE_EXHAUSTED, INTERNAL).
    /// Taking a message is what lets the client send more (flow control).
    func receive() async throws -> [UInt8]?
    /// Sends one response message (payload without prefix). The first call sends the response
    /// headers with `initialMetadata`. Suspends while too much output is queued for the peer.
    func send(_ payload: [UInt8], initialMetadata: Metadata) async throws
}
