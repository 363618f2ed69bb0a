internal import CProtobufC
import GRPCCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bump allocator for one decode or one encode. protobuf-c's `*__unpack` allocates the whole C
/// message tree from it (through a `ProtobufCAllocator` whose `free` does nothing), and encoding
/// builds the C struct tree in it; everything is released at once when the call returns, so there is
/// no `free_unpacked` walk and, for messages that fit the first block, no malloc at all.
///
/// The first block is a scoped temporary allocation (on the stack when small); when it runs out the
/// arena takes heap chunks of growing size (the thread's warm spare first, see WireChunkCache),
/// linked through their first word, handed back at the end.
/// Not thread-safe: one arena belongs to one call on one thread.
struct WireArena {
    private var cursor: UnsafeMutableRawPointer
    private var end: UnsafeMutableRawPointer
    private var chunks: UnsafeMutableRawPointer?
    private var nextChunkBytes: Int

    /// Every allocation is aligned to this (enough for any protobuf-c struct).
    static let alignment = 16

    private init(block: UnsafeMutableRawBufferPointer) {
        cursor = block.baseAddress!
        end = cursor + block.count
        chunks = nil
        nextChunkBytes = max(4096, block.count * 2)
    }

    /// Runs `body` with a fresh arena whose first block holds `initialBytes`; frees it afterwards.
    static func with<R>(initialBytes: Int, _ body: (UnsafeMutablePointer<WireArena>) throws -> R) rethrows -> R {
        let bytes = (max(initialBytes, 256) + alignment - 1) & ~(alignment - 1)
        return try withUnsafeTemporaryAllocation(byteCount: bytes, alignment: alignment) { block in
            var arena = WireArena(block: block)
            defer { arena.freeChunks() }
            return try withUnsafeMutablePointer(to: &arena) { try body($0) }
        }
    }

    /// `byteCount` bytes aligned to `alignment`, valid until the arena ends.
    mutating func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (max(byteCount, 1) + Self.alignment - 1) & ~(Self.alignment - 1)
        if end - cursor >= size {
            let p = cursor
            cursor += size
            return p
        }
        return allocateChunk(size)
    }

    private mutating func allocateChunk(_ size: Int) -> UnsafeMutableRawPointer {
        let header = Self.alignment  // next-chunk link + capacity (see WireChunkCache)
        let chunk: UnsafeMutableRawPointer
        let bytes: Int
        if let spare = WireChunkCache.take(atLeast: size + header) {
            chunk = spare
            bytes = WireChunkCache.capacity(of: spare)
        } else {
            bytes = max(size + header, nextChunkBytes)
            guard let fresh = malloc(bytes) else { fatalError("KGRecWire: out of memory allocating \(bytes) bytes") }
            chunk = fresh
            chunk.storeBytes(of: bytes, toByteOffset: 8, as: Int.self)
        }
        nextChunkBytes = min(max(nextChunkBytes, bytes) * 2, 1 << 24)
        chunk.storeBytes(of: chunks, as: UnsafeMutableRawPointer?.self)
        chunks = chunk
        cursor = chunk + header + size
        end = chunk + bytes
        return chunk + header
    }

    private mutating func freeChunks() {
        while let chunk = chunks {
            chunks = chunk.load(as: UnsafeMutableRawPointer?.self)
            WireChunkCache.give(chunk)
        }
    }
}

extension WireArena {
    /// Decodes protobuf bytes: `unpack` (a protoc-c `*__unpack`) builds the C tree in an arena,
    /// `convert` copies it into Swift values. A NULL from protobuf-c (malformed or truncated input,
    /// wrong wire types) becomes `RPCError(.internal)` naming the message type; a `string` field with
    /// an embedded NUL becomes `RPCError(.invalidArgument)` (see WireStringScan).
    static func decode<C, T>(
        _ bytes: UnsafeRawBufferPointer, _ typeName: String,
        unpack: (UnsafeMutablePointer<ProtobufCAllocator>, Int, UnsafePointer<UInt8>) -> UnsafePointer<C>?,
        convert: (UnsafePointer<C>) throws -> T
    ) throws -> T {
        // Unpacked C trees are about as big as the wire bytes (strings gain a NUL, repeated fields a
        // pointer each); the arena grows beyond this if needed.
        try with(initialBytes: min(bytes.count * 2 + 512, 1 << 16)) { arena in
            var allocator = ProtobufCAllocator(
                alloc: { data, size in
                    data!.assumingMemoryBound(to: WireArena.self).pointee.allocate(byteCount: size)
                },
                free: { _, _ in },
                allocator_data: UnsafeMutableRawPointer(arena))
            var empty: UInt8 = 0
            let message = withUnsafeMutablePointer(to: &allocator) { allocator in
                if let base = bytes.baseAddress, bytes.count > 0 {
                    return unpack(allocator, bytes.count, base.assumingMemoryBound(to: UInt8.self))
                }
                return withUnsafePointer(to: &empty) { unpack(allocator, 0, $0) }
            }
            guard let message else {
                throw RPCError(.internal, "could not decode \(typeName): invalid protobuf (\(bytes.count) bytes)")
            }
            // Every protoc-c message struct begins with its ProtobufCMessage base.
            let descriptor = UnsafeRawPointer(message).load(as: ProtobufCMessage.self).descriptor!
            try WireStringScan.rejectEmbeddedNUL(bytes, descriptor)
            return try convert(message)
        }
    }

    /// Encodes: `build` fills the C struct tree in an arena, then `size` and `pack` (protoc-c's
    /// `*__get_packed_size` and `*__pack`) write the bytes.
    static func encode<C>(
        build: (UnsafeMutablePointer<WireArena>) -> UnsafeMutablePointer<C>,
        size: (UnsafePointer<C>) -> Int,
        pack: (UnsafePointer<C>, UnsafeMutablePointer<UInt8>) -> Int
    ) -> [UInt8] {
        with(initialBytes: 2048) { arena in
            let c = UnsafePointer(build(arena))
            let count = size(c)
            guard count > 0 else { return [] }
            return [UInt8](unsafeUninitializedCapacity: count) { buffer, written in
                written = pack(c, buffer.baseAddress!)
            }
        }
    }
}
