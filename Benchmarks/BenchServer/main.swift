// A bare gRPC server for measuring the runtime with h2load or grpcio:
//   grpc-bench-server [port] [loops]
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
    server.shutdownOnSignals()
    await server.waitUntilStopped()
    print("stopped")
} catch {
    print("error: \(error)")
}
