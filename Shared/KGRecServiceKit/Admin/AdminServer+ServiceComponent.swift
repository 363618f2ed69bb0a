/// The admin server as a lifecycle component (`start()` satisfies the requirement directly).
/// It has no long requests, so drain = stop.
/// It is usually started first and stopped last, so probes and scrapes see the whole drain.
extension AdminServer: ServiceComponent {
    public var name: String { "admin-http" }
    public func drain() async { stop() }
    public func forceStop() async { stop() }
}
