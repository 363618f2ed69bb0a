/// Bounds that keep the admin server responsive under slow, broken or hostile clients.
public struct AdminServerLimits: Hashable, Sendable {
    /// Request line cap (414 beyond it) and whole-head cap (431 beyond it).
    public var maxRequestLineBytes = 4096
    public var maxHeadBytes = 8192
    /// Time from accept until the response has been written; a client that sends its head too
    /// slowly gets 408, one that does not read its response is dropped.
    public var requestTimeout: Duration = .seconds(5)
    /// After the response, how long to drain unread input before closing (avoids an RST that
    /// could destroy the response in flight).
    public var lingerTimeout: Duration = .seconds(1)
    /// Open connections at once. At the cap a new client evicts the oldest one still sending
    /// its head (408); if none is, the new client gets 503.
    public var maxConnections = 64

    public init() {}

    public static let defaults = AdminServerLimits()
}
