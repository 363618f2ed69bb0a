#if canImport(Glibc)
import Glibc
#endif

/// An item matrix `[count, width]` split into two column blocks `[first | second]` (the ranker's
/// `[visual | text]`), stored in one `ScanPrecision`, with the inner-product kernels over it.
///
/// A score is always `parts.first + parts.second`, each part one block's inner product with the
/// user row (fp32), so every caller gets the same numbers and an explanation sums exactly to the
/// score in every precision. int8 rows carry one scale per (row, block): `value ≈ scale · q`,
/// `q ∈ [-127, 127]`, so a part is `scale · Σ u_j q_j`.
///
/// Owns its storage (64-byte aligned, freed on deinit); immutable after `init`, so shareable.
public final class ScoreMatrix: @unchecked Sendable {
    public let precision: ScanPrecision
    public let count: Int
    public let width: Int
    /// Width of the first block (the second is `width - split`).
    public let split: Int
    let storage: UnsafeMutableRawPointer
    /// int8 only: `[count, 2]` scales (first block, second block).
    let scales: UnsafeMutablePointer<Float>?
    let rowBytes: Int

    /// Quantises `rows` (`[count, width]` row-major fp32); with `order`, stored row `i` is input
    /// row `order[i]` (a permutation of `0..<count`).
    public init(rows: UnsafeBufferPointer<Float>, count: Int, width: Int, split: Int, precision: ScanPrecision,
                order: [Int]? = nil)
    {
        precondition(rows.count == count * width && 0 <= split && split <= width)
        precondition(order == nil || order!.count == count)
        self.precision = precision
        self.count = count
        self.width = width
        self.split = split
        rowBytes = width * precision.bytesPerValue
        storage = .allocate(byteCount: max(1, count * rowBytes), alignment: 64)
        scales = precision == .int8 ? .allocate(capacity: max(1, 2 * count)) : nil
        guard count > 0, width > 0, let base = rows.baseAddress else { return }
        for r in 0..<count {
            Self.store(base + (order?[r] ?? r) * width, into: storage + r * rowBytes, scales: scales.map { $0 + 2 * r },
                       width: width, split: split, precision: precision)
        }
    }

    /// Quantises one fp32 row `src` (`[width]`) into `dst` (`width × bytesPerValue` bytes) and,
    /// for int8, its two block scales into `scales[0...1]`.
    private static func store(_ src: UnsafePointer<Float>, into dst: UnsafeMutableRawPointer,
                              scales: UnsafeMutablePointer<Float>?, width: Int, split: Int, precision: ScanPrecision)
    {
        switch precision {
        case .fp32:
            dst.copyMemory(from: src, byteCount: 4 * width)
        case .fp16:
            let d = dst.bindMemory(to: Float16.self, capacity: width)
            for j in 0..<width { d[j] = Float16(src[j]) }
        case .int8:
            let d = dst.bindMemory(to: Int8.self, capacity: width)
            for (b, range) in [(0, 0..<split), (1, split..<width)] {
                var m: Float = 0
                for j in range { m = max(m, abs(src[j])) }
                let scale = m > 0 ? m / 127 : 1
                scales![b] = scale
                for j in range { d[j] = Int8(max(-127, min(127, (src[j] / scale).rounded()))) }
            }
        }
    }

    /// True when row `r` holds exactly what storing `src` (`[width]` fp32) would: the vector is
    /// unchanged as far as this matrix can tell (same stored values and scales).
    public func holds(row r: Int, _ src: UnsafePointer<Float>) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: max(1, rowBytes) + 8, alignment: 16) { tmp in
            let scale = (tmp.baseAddress! + rowBytes).bindMemory(to: Float.self, capacity: 2)
            Self.store(src, into: tmp.baseAddress!, scales: scale, width: width, split: split, precision: precision)
            guard memcmp(tmp.baseAddress!, storage + r * rowBytes, rowBytes) == 0 else { return false }
            return precision != .int8 || (scale[0] == scales![2 * r] && scale[1] == scales![2 * r + 1])
        }
    }

    /// Quantises `rows`, an array `[count, width]` row-major.
    public static func quantising(_ rows: [Float], width: Int, split: Int, precision: ScanPrecision) -> ScoreMatrix {
        let count = width == 0 ? 0 : rows.count / width
        return rows.withUnsafeBufferPointer {
            ScoreMatrix(rows: $0, count: count, width: width, split: split, precision: precision)
        }
    }

    deinit {
        storage.deallocate()
        scales?.deallocate()
    }

    /// Bytes a full scan reads (values plus scales).
    public var bytes: Int { count * rowBytes + (precision == .int8 ? 8 * count : 0) }

    /// Row `r` dequantised (what the scores are computed from), `[width]`.
    public func values(row r: Int) -> [Float] {
        (0..<width).map { j in
            switch precision {
            case .fp32: storage.load(fromByteOffset: r * rowBytes + 4 * j, as: Float.self)
            case .fp16: Float(storage.load(fromByteOffset: r * rowBytes + 2 * j, as: Float16.self))
            case .int8: Float(storage.load(fromByteOffset: r * rowBytes + j, as: Int8.self))
                * scales![2 * r + (j < split ? 0 : 1)]
            }
        }
    }

    /// `(first, second)` block inner products of `user` (`[width]`) with row `r`.
    @inline(__always)
    public func parts(_ user: UnsafePointer<Float>, row r: Int) -> SIMD2<Float> {
        let p = UnsafeRawPointer(storage) + r * rowBytes
        let w2 = width - split
        switch precision {
        case .fp32:
            return SIMD2(Self.dot32(user, p, split), Self.dot32(user + split, p + 4 * split, w2))
        case .fp16:
            return SIMD2(Self.dot16(user, p, split), Self.dot16(user + split, p + 2 * split, w2))
        case .int8:
            let s = UnsafeRawPointer(scales!).loadUnaligned(fromByteOffset: 8 * r, as: SIMD2<Float>.self)
            return s * SIMD2(Self.dot8(user, p, split), Self.dot8(user + split, p + split, w2))
        }
    }

    /// `Σ_{j<n} u[j]·v[j]` over fp32 `v`; 16 values per step in two SIMD8 accumulators, scalar tail.
    @inline(__always)
    public static func dot32(_ u: UnsafePointer<Float>, _ v: UnsafeRawPointer, _ n: Int) -> Float {
        let ru = UnsafeRawPointer(u)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), j = 0
        while j + 16 <= n {
            a0 = a0.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
                                  v.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self))
            a1 = a1.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j + 32, as: SIMD8<Float>.self),
                                  v.loadUnaligned(fromByteOffset: 4 * j + 32, as: SIMD8<Float>.self))
            j += 16
        }
        if j + 8 <= n {
            a0 = a0.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
                                  v.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self))
            j += 8
        }
        var s = (a0 + a1).sum()
        while j < n {
            s += u[j] * v.loadUnaligned(fromByteOffset: 4 * j, as: Float.self)
            j += 1
        }
        return s
    }

    /// As `dot32` over IEEE half `v` (converted to fp32 per lane).
    @inline(__always)
    static func dot16(_ u: UnsafePointer<Float>, _ v: UnsafeRawPointer, _ n: Int) -> Float {
        let ru = UnsafeRawPointer(u)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), j = 0
        while j + 16 <= n {
            a0 = a0.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
                                  SIMD8<Float>(v.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<Float16>.self)))
            a1 = a1.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j + 32, as: SIMD8<Float>.self),
                                  SIMD8<Float>(v.loadUnaligned(fromByteOffset: 2 * j + 16, as: SIMD8<Float16>.self)))
            j += 16
        }
        if j + 8 <= n {
            a0 = a0.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
                                  SIMD8<Float>(v.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<Float16>.self)))
            j += 8
        }
        var s = (a0 + a1).sum()
        while j < n {
            s += u[j] * Float(v.loadUnaligned(fromByteOffset: 2 * j, as: Float16.self))
            j += 1
        }
        return s
    }

    /// `Σ_{j<n} u[j]·q[j]` over int8 `q` (the caller applies the scale).
    @inline(__always)
    static func dot8(_ u: UnsafePointer<Float>, _ q: UnsafeRawPointer, _ n: Int) -> Float {
        let ru = UnsafeRawPointer(u)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), j = 0
        while j + 16 <= n {
            let b = q.loadUnaligned(fromByteOffset: j, as: SIMD16<Int8>.self)
            a0 = a0.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
                                  SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: b.lowHalf)))
            a1 = a1.addingProduct(ru.loadUnaligned(fromByteOffset: 4 * j + 32, as: SIMD8<Float>.self),
                                  SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: b.highHalf)))
            j += 16
        }
        var s = (a0 + a1).sum()
        while j < n {
            s += u[j] * Float(q.load(fromByteOffset: j, as: Int8.self))
            j += 1
        }
        return s
    }
}
