/// What a format loader reads before splitting: id maps, interactions, the KG.
/// Shapes: `interactionUsers`/`interactionItems` are `[P]` (user, item indices).
public struct RawData: Sendable {
    public var users = IDMap()
    public var items = IDMap()
    /// Items first (entity index of item i is i), then attribute entities.
    public var entities = IDMap()
    public var relations = IDMap()
    public var interactionUsers: [Int32] = []
    public var interactionItems: [Int32] = []
    /// RecBole data: the 0-based data row of `NAME.inter` each interaction came from, `[P]` (empty for
    /// other formats); `SplitFiles.write` copies those rows verbatim.
    public var interactionRows: [Int] = []
    /// A split given by the files (KGAT's train/test); nil means split at random.
    public var presplit: InteractionSplit?
    public var knowledge = KGTriples()
    /// Item tokens present in the raw files but dropped (e.g. no KG link): feature rows for them are skipped.
    public var droppedItems: Set<String> = []
    /// Optional display title per item, `[I]` (empty when unknown).
    public var itemTitles: [String] = []

    public init() {}

    /// How a feature-file token maps onto this data: an item token, else an entity token.
    public func resolve(_ token: String) -> FeatureLoader.Resolution {
        if let i = items.index(of: token) { return .entity(i) }
        if let e = entities.index(of: token) { return .entity(e) }
        if droppedItems.contains(token) { return .dropped }
        return .unknown
    }
}
