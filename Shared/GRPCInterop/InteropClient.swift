import GRPCCore
import GRPCHTTP2
import KGRecWire

/// Runs the interop client cases against a `grpc.testing.TestService` server (ours or anyone's)
/// and checks what the spec says each must observe. Every call has a deadline, so a case against
/// a stuck server fails instead of hanging.
public struct InteropClient: Sendable {
    typealias Method = Grpc_Testing_TestService.Method
    typealias Request = Grpc_Testing_StreamingOutputCallRequest
    typealias Response = Grpc_Testing_StreamingOutputCallResponse

    public let channel: GRPCChannel
    /// Deadline of every call a case makes (except the one that tests deadlines).
    public var callTimeout: Duration = InteropClient.defaultCallTimeout
    /// How long each case's calls may take unless `callTimeout` is set.
    public static let defaultCallTimeout: Duration = .seconds(20)

    public init(channel: GRPCChannel) {
        self.channel = channel
    }

    /// Runs one case: nil when it passed, else the failure. Unexpected RPC errors are failures too.
    public func run(_ testCase: InteropCase) async -> InteropFailure? {
        do {
            try await body(of: testCase)()
            return nil
        } catch let failure as InteropFailure {
            return failure
        } catch let error as RPCError {
            return InteropFailure(.callFailed, "unexpected status \(error.status)", cause: error)
        } catch {
            return InteropFailure(.callFailed, "unexpected error \(error)", cause: error)
        }
    }

    private func body(of testCase: InteropCase) -> () async throws -> Void {
        switch testCase {
        case .emptyUnary: return emptyUnary
        case .largeUnary: return largeUnary
        case .clientStreaming: return clientStreaming
        case .serverStreaming: return serverStreaming
        case .pingPong: return pingPong
        case .emptyStream: return emptyStream
        case .timeoutOnSleepingServer: return timeoutOnSleepingServer
        case .cancelAfterBegin: return cancelAfterBegin
        case .cancelAfterFirstResponse: return cancelAfterFirstResponse
        case .statusCodeAndMessage: return { try await echoStatus("test status message") }
        case .specialStatusMessage: return { try await echoStatus(Self.specialStatusMessage) }
        case .customMetadata: return customMetadata
        case .unimplementedMethod: return { try await expectUnimplemented(Method.unimplementedCall) }
        case .unimplementedService:
            return { try await expectUnimplemented(Grpc_Testing_UnimplementedService.Method.unimplementedCall) }
        }
    }

    var options: CallOptions { CallOptions(timeout: callTimeout) }

    static let specialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"

    static func zeros(_ n: Int) -> Grpc_Testing_Payload {
        Grpc_Testing_Payload(body: [UInt8](repeating: 0, count: n))
    }

    static func streamingRequest(size: Int32, body: Int) -> Request {
        Request(responseParameters: [Grpc_Testing_ResponseParameters(size: size)], payload: zeros(body))
    }
}

/// `check(condition, reason)`: fails the case with `reason` when `condition` is false.
func check(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
    if !condition { throw InteropFailure(.wrongResponse, reason()) }
}

/// Runs `body` and requires it to fail with `code` (and `message`, when given).
func expectStatus(_ code: StatusCode, message: String? = nil, _ what: String,
                  _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as RPCError {
        if e.code != code { throw InteropFailure(.wrongStatus, "\(what): expected \(code), got \(e.status)", cause: e) }
        if let message, e.message != message {
            throw InteropFailure(.wrongStatus, "\(what): expected message \(message.debugDescription), got \(e.message.debugDescription)",
                                 cause: e)
        }
        return
    }
    throw InteropFailure(.unexpectedSuccess, "\(what): succeeded, expected \(code)")
}
