/// A complete HTTP/1.1 response. The admin server always closes after it (`Connection: close`).
public struct HTTPResponse: Hashable, Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var extraHeaders: [String]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String,
                extraHeaders: [String] = [])
    {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
        self.extraHeaders = extraHeaders
    }

    /// Status line, headers and body, ready to write. `includeBody` is false for HEAD.
    public func serialized(includeBody: Bool = true) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for h in extraHeaders { head += h + "\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (includeBody ? body : [])
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }

    /// A plain-text error reply with the reason as its body.
    public static func error(_ status: Int, _ reason: String) -> HTTPResponse {
        HTTPResponse(status: status, body: reason + "\n")
    }
}
