/// How the ranker's item matrix holds its values (and so how many bytes a full scan reads):
/// `fp32` 4 bytes per value (exact), `fp16` 2 (IEEE half, relative error ≤ 2⁻¹¹ per value),
/// `int8` 1 (symmetric, one scale per row and block: error ≤ scale / 2 per value).
public enum ScanPrecision: String, Sendable, CaseIterable {
    case fp32, fp16, int8

    /// Bytes per stored value.
    public var bytesPerValue: Int {
        switch self {
        case .fp32: 4
        case .fp16: 2
        case .int8: 1
        }
    }
}
