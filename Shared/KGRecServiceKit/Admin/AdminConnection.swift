/// One admin-server client: the bytes read so far, then the response being written, then a
/// short lingering drain before close.
struct AdminConnection {
    enum Phase {
        case reading
        case writing
        case lingering
    }

    let fd: Int32
    var phase: Phase = .reading
    var input: [UInt8] = []
    var output: [UInt8] = []
    var written = 0
    var deadline: ContinuousClock.Instant

    init(fd: Int32, deadline: ContinuousClock.Instant) {
        self.fd = fd
        self.deadline = deadline
    }

    /// Switches to writing `response`.
    mutating func respond(_ response: [UInt8]) {
        phase = .writing
        output = response
        written = 0
        input = []
    }
}
