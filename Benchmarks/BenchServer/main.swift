// A bare gRPC server for measuring the runtime with h2load or grpcio:
//   grpc-bench-server [port] [loops]
// and a client load loop for measuring our client against it (or any server with EmptyCall):
//   grpc-bench-server client PORT CALLS CONCURRENCY [CONNECTIONS]
// Methods (raw bytes, no protobuf codec):
//   /grpc.testing.TestService/EmptyCall   inline unary, echoes the request bytes
//   /grpc.testing.TestService/UnaryCall   inline unary, echoes the request bytes
//   /bench.Bench/AsyncEcho                task unary, echoes
//   /bench.Bench/StreamEcho               bidi, echoes every message
import GRPCCore
import GRPCHTTP2
#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments

// Client mode: grpc-bench-server client PORT CALLS CONCURRENCY [CONNECTIONS]
if args.count > 4 && args[1] == "client" {
    let port = Int(args[2]) ?? 50051, calls = Int(args[3]) ?? 10000, conc = Int(args[4]) ?? 16
    var cc = ClientConfig()
    cc.connections = args.count > 5 ? Int(args[5]) ?? 1 : 1
    let ch = GRPCChannel(host: "127.0.0.1", port: port, config: cc)
    let m = MethodDescriptor(service: "grpc.testing.TestService", method: "EmptyCall")
    let start = MonotonicClock.nanoseconds()
    try await withThrowingTaskGroup(of: Void.self) { g in
        for w in 0..<conc {
            g.addTask {
                for _ in stride(from: w, to: calls, by: conc) {
                    _ = try await ch.unary(m, request: RawMessage([]), responseType: RawMessage.self)
                }
            }
        }
        try await g.waitForAll()
    }
    let secs = Double(MonotonicClock.nanoseconds() - start) / 1e9
    print("\(calls) unary calls, concurrency \(conc): \(Int(Double(calls) / secs)) calls/s")
    ch.close()
    exit(0)
}
var config = ServerConfig()
config.host = "127.0.0.1"
config.port = args.count > 1 ? Int(args[1]) ?? 50051 : 50051
if args.count > 2, let n = Int(args[2]) { config.eventLoops = n }

var router = RPCRouter()
for m in ["EmptyCall", "UnaryCall"] {
    router.unaryInline(MethodDescriptor(service: "grpc.testing.TestService", method: m)) {
        (req: RawMessage, _) in req
    }
}
router.unary(MethodDescriptor(service: "bench.Bench", method: "AsyncEcho")) { (req: RawMessage, _) in req }
router.bidiStreaming(MethodDescriptor(service: "bench.Bench", method: "StreamEcho")) {
    (reqs: RPCReader<RawMessage>, out: RPCWriter<RawMessage>, _) in
    for try await m in reqs { try await out.write(m) }
}
let server = GRPCServer(router: router, config: config)
do {
    let port = try server.start()
    fflush(nil)
    print("listening on 127.0.0.1:\(port) with \(config.eventLoops) loops")
    fflush(nil)
    try server.shutdownOnSignals()
    await server.waitUntilStopped()
    print("stopped")
} catch {
    print("error: \(error)")
}
