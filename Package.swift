// swift-tools-version:6.0
// KGRec: a multimodal knowledge-graph recommender served by three gRPC services.
// No Swift package dependencies: the only extra libraries are the system C libraries
// libnghttp2 (HTTP/2) and libprotobuf-c (protobuf), wrapped as systemLibrary targets.
import PackageDescription

/// Hot numeric and per-call code: `-Ounchecked` in release (a debug build keeps every precondition).
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
/// The gRPC runtime's per-call path: also no dynamic exclusivity checks (its class state is
/// confined to one event-loop thread by design).
let runtime: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"],
                                            .when(configuration: .release))]

/// Numeric kernels (tensor + model): also AVX2/FMA code generation on x86-64 (4x GEMM throughput,
/// see docs/model.md "Numerics and layers"); every x86-64 server since 2013 has these.
#if arch(x86_64)
/// The target CPU in every configuration (the AVX2 intrinsics need it), `-Ounchecked` in release only.
let vector: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"]),
                              .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
#else
let vector: [SwiftSetting] = fast
#endif

let package = Package(
    name: "KGRec",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kgrec", targets: ["kgrec"]),
        .executable(name: "kgrec-encoder", targets: ["kgrec-encoder"]),
        .executable(name: "kgrec-graph", targets: ["kgrec-graph"]),
        .executable(name: "kgrec-ranker", targets: ["kgrec-ranker"]),
    ],
    targets: [
        // ---- C libraries (unsafe layer) -------------------------------------------------------
        .systemLibrary(name: "CNGHTTP2", path: "Shared/CNGHTTP2", pkgConfig: "libnghttp2",
                       providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CProtobufC", path: "Shared/CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        // sockets, epoll, eventfd, sigaction: static inline helpers returning -errno.
        .systemLibrary(name: "CPOSIX", path: "Shared/CPOSIX"),
        // protoc-c output for Protos/**/*.proto, committed; regenerate with scripts/gen-protos.sh.
        .target(name: "KGRecProtoC", dependencies: ["CProtobufC"], path: "Shared/KGRecProtoC"),

        // ---- POSIX layer ----------------------------------------------------------------------
        // The only module that imports CPOSIX: EINTR retry, SystemError, TCP sockets, epoll,
        // eventfd, threads, signals as an async sequence. Used by the transport, ServiceKit, CLI.
        .target(name: "KGRecPOSIX", dependencies: ["CPOSIX"], path: "Shared/KGRecPOSIX", swiftSettings: runtime),

        // ---- gRPC runtime ---------------------------------------------------------------------
        // Pure Swift: status, metadata, framing, deadlines, routing. Imports no C library.
        .target(name: "GRPCCore", path: "Shared/GRPCCore", swiftSettings: runtime),
        // The only module that imports nghttp2: epoll event loops, server and client transports.
        .target(name: "GRPCHTTP2", dependencies: ["GRPCCore", "CNGHTTP2",
                                                 "KGRecPOSIX"], path: "Shared/GRPCHTTP2",
                swiftSettings: runtime),
        // The only module that imports protobuf-c: Swift message structs <-> protobuf bytes.
        .target(name: "KGRecWire", dependencies: ["GRPCCore", "KGRecProtoC", "CProtobufC"],
                path: "Shared/KGRecWire", swiftSettings: fast),
        // grpc.testing interop server and client cases, and gRPC server reflection.
        .target(name: "GRPCInterop", dependencies: ["GRPCCore", "GRPCHTTP2", "KGRecWire"],
                path: "Shared/GRPCInterop"),

        // ---- Model ----------------------------------------------------------------------------
        .target(name: "KGRecTensor", path: "Shared/KGRecTensor", swiftSettings: vector),
        .target(name: "KGRecModel", dependencies: ["KGRecTensor"], path: "Shared/KGRecModel",
                swiftSettings: vector),
        // Raw text → sentence vectors: BERT WordPiece tokenizer and encoder (all-MiniLM-L6-v2).
        .target(name: "KGRecText", dependencies: ["KGRecTensor", "KGRecModel"], path: "Shared/KGRecText",
                swiftSettings: vector),

        // ---- Services -------------------------------------------------------------------------
        .target(name: "KGRecServiceKit", dependencies: ["GRPCCore", "GRPCHTTP2", "KGRecWire", "GRPCInterop", "KGRecPOSIX"],
                path: "Shared/KGRecServiceKit"),

        // Serving logic shared by the three services: durable log, embedding cache, item matrix
        // kernels (fp32/fp16/int8 scan, streaming top-k) and the IVF index: numeric settings.
        .target(name: "KGRecServing", dependencies: ["KGRecPOSIX", "KGRecTensor"], path: "Shared/KGRecServing",
                swiftSettings: vector),

        // The three services' libraries: handlers, state and wiring; executables only parse config.
        .target(name: "KGRecEncoderService", dependencies: ["GRPCCore", "GRPCHTTP2", "KGRecWire", "KGRecModel", "KGRecServiceKit", "KGRecText"],
                path: "Shared/KGRecEncoderService", swiftSettings: fast),
        .target(name: "KGRecGraphService", dependencies: ["GRPCCore", "GRPCHTTP2", "KGRecWire", "KGRecModel", "KGRecTensor", "KGRecServiceKit", "KGRecServing"],
                path: "Shared/KGRecGraphService", swiftSettings: fast),
        .target(name: "KGRecRankerService", dependencies: ["GRPCCore", "GRPCHTTP2", "KGRecWire", "KGRecTensor", "KGRecPOSIX", "KGRecServiceKit", "KGRecServing"],
                path: "Shared/KGRecRankerService", swiftSettings: fast),
        .executableTarget(name: "kgrec-encoder", dependencies: ["KGRecEncoderService", "KGRecServiceKit"],
                          path: "Services/kgrec-encoder"),
        .executableTarget(name: "kgrec-graph", dependencies: ["KGRecGraphService", "KGRecServiceKit"],
                          path: "Services/kgrec-graph"),
        .executableTarget(name: "kgrec-ranker", dependencies: ["KGRecRankerService", "KGRecServiceKit"],
                          path: "Services/kgrec-ranker"),

        // ---- CLI ------------------------------------------------------------------------------
        .target(name: "KGRecCLI",
                dependencies: ["GRPCCore", "GRPCHTTP2", "KGRecWire", "GRPCInterop", "KGRecTensor", "KGRecModel",
                               "KGRecServiceKit", "KGRecServing", "KGRecRankerService", "KGRecText", "KGRecPOSIX"],
                path: "Shared/KGRecCLI"),
        .executableTarget(name: "kgrec", dependencies: ["KGRecCLI"], path: "Services/kgrec"),
        // Minimal gRPC server for h2load runs against the bare runtime (no codec).
        .executableTarget(name: "grpc-bench-server", dependencies: ["GRPCCore", "GRPCHTTP2"],
                          path: "Benchmarks/BenchServer", swiftSettings: fast),

        // ---- Tests ----------------------------------------------------------------------------
        .testTarget(name: "GRPCCoreTests", dependencies: ["GRPCCore"], path: "Tests/GRPCCoreTests"),
        .testTarget(name: "GRPCHTTP2Tests",
                    dependencies: ["GRPCCore", "GRPCHTTP2", "GRPCInterop", "CNGHTTP2", "KGRecPOSIX"],
                    path: "Tests/GRPCHTTP2Tests"),
        .testTarget(name: "KGRecWireTests", dependencies: ["KGRecWire", "GRPCCore"], path: "Tests/KGRecWireTests"),
        .testTarget(name: "GRPCInteropTests", dependencies: ["GRPCInterop", "GRPCCore", "GRPCHTTP2", "KGRecWire", "KGRecServiceKit"],
                    path: "Tests/GRPCInteropTests"),
        .testTarget(name: "KGRecTensorTests", dependencies: ["KGRecTensor"],
                    path: "Tests/KGRecTensorTests"),
        .testTarget(name: "KGRecModelTests", dependencies: ["KGRecModel", "KGRecTensor"],
                    path: "Tests/KGRecModelTests"),
        .testTarget(name: "KGRecTextTests", dependencies: ["KGRecText", "KGRecModel", "KGRecTensor"],
                    path: "Tests/KGRecTextTests"),
        .testTarget(name: "KGRecServingTests", dependencies: ["KGRecServing", "KGRecPOSIX", "KGRecTensor"],
                    path: "Tests/KGRecServingTests"),
        .testTarget(name: "KGRecServicesTests",
                    dependencies: ["KGRecEncoderService", "KGRecGraphService", "KGRecRankerService",
                                   "KGRecServing", "KGRecModel", "KGRecTensor", "KGRecWire", "GRPCHTTP2", "GRPCCore",
                                   "GRPCInterop", "KGRecServiceKit", "KGRecCLI", "KGRecText", "KGRecPOSIX"],
                    path: "Tests/KGRecServicesTests"),
        .testTarget(name: "KGRecPOSIXTests", dependencies: ["KGRecPOSIX"], path: "Tests/KGRecPOSIXTests"),
        .testTarget(name: "KGRecServiceKitTests", dependencies: ["KGRecServiceKit", "GRPCCore", "GRPCHTTP2", "KGRecWire", "KGRecPOSIX"],
                    path: "Tests/KGRecServiceKitTests"),
    ]
)
