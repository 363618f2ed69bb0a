/// A bijection between external tokens (as they appear in data files) and dense indices `0..<count`.
public struct IDMap: Sendable, Equatable {
    /// `tokens[i]` is the external token of index `i`.
    public private(set) var tokens: [String] = []
    private var indexOf: [String: Int32] = [:]

    public init() {}

    public init(tokens: [String]) {
        for t in tokens { _ = insert(t) }
    }

    public var count: Int { tokens.count }

    /// The index of `token`, or nil when unknown.
    public func index(of token: String) -> Int32? { indexOf[token] }

    /// The index of `token`, adding it at the end when new.
    @discardableResult
    public mutating func insert(_ token: String) -> Int32 {
        if let i = indexOf[token] { return i }
        let i = Int32(tokens.count)
        tokens.append(token)
        indexOf[token] = i
        return i
    }

    public subscript(index: Int) -> String { tokens[index] }
}
