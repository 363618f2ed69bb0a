/// Parses an HTTP/1.x request head from the bytes received so far. Stateless: call it again
/// with the whole buffer after every read (the buffer is capped at a few KiB, so the re-scan is
/// cheap). Never traps on any input.
public struct HTTPRequestParser: Sendable {
    public enum Result: Hashable, Sendable {
        /// The head is not complete yet and within the limits: read more.
        case incomplete
        case complete(HTTPRequestHead)
        /// Reply with this status and close (400, 414, 431, 505).
        case reject(status: Int, reason: String)
    }

    /// Longest request line (method, target, version) accepted; longer → 414.
    public var maxRequestLineBytes: Int
    /// Longest head (request line + headers + blank line); longer → 431.
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int

    public init(maxRequestLineBytes: Int = 4096, maxHeadBytes: Int = 8192, maxHeaderCount: Int = 100) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    public func parse(_ buffer: [UInt8]) -> Result {
        // Lines end in CRLF or (tolerated) a bare LF.
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        var headEnd: Int? = nil
        while i < buffer.count && i < maxHeadBytes {
            if buffer[i] == 10 {
                var end = i
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                let line = buffer[start..<end]
                if lines.isEmpty && line.isEmpty && start == 0 {
                    // RFC 9112 §2.2: ignore at least one empty line before the request line.
                    start = i + 1; i += 1; continue
                }
                if line.isEmpty { headEnd = i + 1; break }
                lines.append(line)
                if lines.count > maxHeaderCount + 1 { return .reject(status: 431, reason: "too many headers") }
                start = i + 1
            }
            i += 1
        }
        // The request line so far (complete or not) must fit its own limit.
        let firstLineLength = lines.first?.count ?? (i - start)
        if firstLineLength > maxRequestLineBytes { return .reject(status: 414, reason: "request line too long") }
        guard headEnd != nil else {
            if buffer.count >= maxHeadBytes { return .reject(status: 431, reason: "request head too large") }
            if buffer.contains(0) { return .reject(status: 400, reason: "NUL byte in request head") }
            // Reject early when what should be the method is not a token (TLS, binary junk).
            let method = buffer.drop { $0 == 13 || $0 == 10 }.prefix { $0 != 32 }
            if !method.allSatisfy(Self.isTokenByte) { return .reject(status: 400, reason: "malformed request line") }
            return .incomplete
        }
        guard let requestLine = lines.first else { return .reject(status: 400, reason: "empty request") }
        return parseHead(requestLine: requestLine, headerLines: lines.dropFirst())
    }

    private func parseHead(requestLine: ArraySlice<UInt8>, headerLines: ArraySlice<ArraySlice<UInt8>>)
        -> Result
    {
        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].allSatisfy(Self.isTokenByte), parts[1].allSatisfy({ $0 > 32 && $0 < 127 })
        else { return .reject(status: 400, reason: "malformed request line") }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/") else { return .reject(status: 400, reason: "malformed request line") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .reject(status: 505, reason: "HTTP version not supported")
        }
        var target = String(decoding: parts[1], as: UTF8.self)
        if let q = target.firstIndex(where: { $0 == "?" || $0 == "#" }) { target = String(target[..<q]) }
        var headers: [(String, String)] = []
        for line in headerLines {
            guard let colon = line.firstIndex(of: 58), colon > line.startIndex,
                  line[..<colon].allSatisfy(Self.isTokenByte),
                  line[(colon + 1)...].allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) })
            else { return .reject(status: 400, reason: "malformed header line") }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmed
            headers.append((name, value))
        }
        return .complete(HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self), path: target,
                                         version: version, headers: headers))
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}
