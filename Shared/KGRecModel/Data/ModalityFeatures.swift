/// The two content modalities of Multi-KG4Rec.
public enum Modality: String, Sendable, CaseIterable {
    case visual, text
}

/// Raw content vectors of one modality for the entities that have it.
///
/// Shapes: `values` is `[rowCount, width]` row-major; `rowOfEntity` is `[entityCount]` (entity
/// index as in `CollaborativeKG`: items then attributes) with the entity's row, or -1 when the entity
/// has no content of this modality. Users never have content. A missing row is normal.
public struct ModalityFeatures: Sendable, Equatable {
    public let width: Int
    public let values: [Float]
    public let rowOfEntity: [Int32]

    public init(width: Int, values: [Float], rowOfEntity: [Int32]) {
        precondition(width > 0 && values.count % width == 0)
        self.width = width
        self.values = values
        self.rowOfEntity = rowOfEntity
    }

    public var rowCount: Int { values.count / width }
    public var entityCount: Int { rowOfEntity.count }
    /// Number of entities with a row.
    public var presentCount: Int { rowOfEntity.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    /// Row of node `n` (any node index of the collaborative KG), or -1 when it has none.
    @inline(__always) public func row(ofNode n: Int) -> Int {
        n < rowOfEntity.count ? Int(rowOfEntity[n]) : -1
    }

    /// The feature vector of node `n` (`[width]`), or nil when absent.
    public func vector(ofNode n: Int) -> ArraySlice<Float>? {
        let r = row(ofNode: n)
        return r < 0 ? nil : values[r * width..<(r + 1) * width]
    }
}

/// Visual and text features; either may be absent entirely (e.g. ml-100k has no images).
public struct MultimodalFeatures: Sendable, Equatable {
    public var visual: ModalityFeatures?
    public var text: ModalityFeatures?

    public init(visual: ModalityFeatures? = nil, text: ModalityFeatures? = nil) {
        self.visual = visual
        self.text = text
    }

    public subscript(m: Modality) -> ModalityFeatures? {
        get { m == .visual ? visual : text }
        set { if m == .visual { visual = newValue } else { text = newValue } }
    }
}
