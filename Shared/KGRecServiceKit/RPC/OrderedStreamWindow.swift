import GRPCCore

/// The read-ahead window of a bidi call that answers every request once, in request order
/// (EncodeStream, ScoreStream): a reader task starts `answer(request)` as each request arrives,
/// at most `window` of them unanswered (the window is a stream of permits, one returned per
/// answer written), while the handler writes the answers in request order as each completes.
/// A slow request delays the answers after it but not their work.
///
/// An `answer` that throws ends the call with its error (the reader stops); a read error
/// (malformed request, cancellation) ends it after the answers already started are written.
public enum OrderedStreamWindow {
    public static func answer<Request: GRPCMessage, Response: GRPCMessage>(
        _ requests: RPCReader<Request>, into out: RPCWriter<Response>, window: Int,
        _ answer: @escaping @Sendable (Request) async throws -> Response) async throws
    {
        precondition(window > 0, "the window holds at least one request")
        let (permits, permit) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<window { permit.yield() }
        let (answers, sink) = AsyncStream.makeStream(of: Task<Response, any Error>.self)
        let reader = Task {
            defer { sink.finish() }
            var tokens = permits.makeAsyncIterator()
            for try await request in requests {
                guard await tokens.next() != nil else { return }
                sink.yield(Task { try await answer(request) })
            }
        }
        defer {
            reader.cancel()
            permit.finish()
        }
        for await pending in answers {
            let response: Response
            do {
                response = try await pending.value
            } catch {
                reader.cancel()
                throw error
            }
            try await out.write(response)
            permit.yield()
        }
        try await reader.value
    }
}
