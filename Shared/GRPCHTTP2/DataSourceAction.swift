/// What a stream's state answers when nghttp2 asks its data source for DATA, on either side
/// (`ServerStreamState`, `ClientSendState`); the stream turns it into a `DataSourceRead`.
enum DataSourceAction: Equatable {
    /// Hand over the bytes copied; more may follow.
    case send
    /// Nothing to send yet: defer until `resumeData`.
    case deferData
    /// The queue is drained and the data is over: end it (the server then submits its
    /// trailers; the client's request ends with END_STREAM).
    case end
}
