import GRPCCore

/// One `.proto` file as protoc describes it: its serialized `google.protobuf.FileDescriptorProto`,
/// its direct imports and the fully qualified symbols it defines. The values for `Protos/` are
/// generated (`ProtoFileDescriptors.files`, by `scripts/gen-protos.sh`).
public struct ProtoFileDescriptor: Sendable {
    /// The file name as imports spell it, e.g. `kgrec/v1/ranker.proto`.
    public let name: String
    public let dependencies: [String]
    /// Messages and enums (nested ones as `Outer.Inner`), services, and methods as `Service.Method`.
    public let symbols: [String]
    private let base64: String

    public init(name: String, dependencies: [String], symbols: [String], base64: String) {
        self.name = name
        self.dependencies = dependencies
        self.symbols = symbols
        self.base64 = base64
    }

    /// The serialized FileDescriptorProto.
    public var serialized: [UInt8] {
        guard let bytes = Base64.decode(base64) else { preconditionFailure("\(name): generated descriptor is not base64") }
        return bytes
    }
}

extension ProtoFileDescriptors {
    /// The files by name, and which file defines each symbol.
    struct Index: Sendable {
        let files: [String: ProtoFileDescriptor]
        let fileOfSymbol: [String: String]

        init(_ list: [ProtoFileDescriptor]) {
            files = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var bySymbol: [String: String] = [:]
            for f in list { for s in f.symbols { bySymbol[s] = f.name } }
            fileOfSymbol = bySymbol
        }

        /// `name` and every file it imports, directly or not: `name` first, each file once.
        func closure(of name: String) -> [ProtoFileDescriptor] {
            var out: [ProtoFileDescriptor] = [], seen: Set<String> = [], stack = [name]
            while let next = stack.popLast() {
                guard !seen.contains(next), let f = files[next] else { continue }
                seen.insert(next)
                out.append(f)
                stack += f.dependencies.reversed()
            }
            return out
        }
    }

    static let index = Index(files)
}
