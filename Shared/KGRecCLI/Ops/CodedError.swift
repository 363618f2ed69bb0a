/// A CLI failure: a `code` saying which kind (what tests switch on), a description for the user,
/// and the error behind it, if any. Each failing part names its own code type
/// (`typealias SpawnError = CodedError<SpawnErrorCode>`), so the errors stay distinct types.
struct CodedError<C: Hashable & Sendable & CustomStringConvertible>: Error, CustomStringConvertible {
    typealias Code = C

    let code: Code
    let description: String
    let cause: (any Error)?

    init(_ code: Code, _ description: String, cause: (any Error)? = nil) {
        self.code = code
        self.description = description
        self.cause = cause
    }
}
