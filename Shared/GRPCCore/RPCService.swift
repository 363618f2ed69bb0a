/// A gRPC service: registers its methods with a router. Example:
///
/// ```swift
/// struct Echo: RPCService {
///     func register(in router: inout RPCRouter) {
///         router.unaryInline(MethodDescriptor(service: "echo.Echo", method: "Get")) {
///             (req: EchoRequest, ctx) in EchoResponse(text: req.text)
///         }
///     }
/// }
/// ```
public protocol RPCService: Sendable {
    func register(in router: inout RPCRouter)
}
