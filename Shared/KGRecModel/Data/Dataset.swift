/// Everything a recommender trains on: id maps, the interaction split, the KG, the collaborative
/// KG built from the training pairs, modality features and the fusion sequences.
///
/// Index spaces: users `[0, U)`, items `[0, I)`, entities `[0, I + A)` (items first, entity index of
/// item i is i), KG relations `[0, R)`. `graph` nodes and relations are described in `CollaborativeKG`.
public struct Dataset: Sendable {
    public var name: String
    /// External user tokens, `[U]`.
    public var users: IDMap
    /// External item tokens, `[I]`.
    public var items: IDMap
    /// External entity tokens, `[I + A]`; for linked items the KG entity token (e.g. a Freebase id),
    /// otherwise the item token.
    public var entities: IDMap
    /// KG relation tokens, `[R]` (without inverses and `interact`).
    public var relations: IDMap
    public var split: InteractionSplit
    public var knowledge: KGTriples
    public var graph: CollaborativeKG
    public var features: MultimodalFeatures
    public var sequences: NeighbourSequences
    /// Optional display title per item, `[I]` (empty when unknown).
    public var itemTitles: [String] = []
    /// The directory the dataset was loaded from (nil when built in memory).
    public var sourceDirectory: String? = nil

    public var userCount: Int { users.count }
    public var itemCount: Int { items.count }
    public var entityCount: Int { entities.count }
    public var attributeCount: Int { entities.count - items.count }

    /// Builds the collaborative KG from `split`'s training pairs and the BFS sequences.
    public init(name: String, users: IDMap, items: IDMap, entities: IDMap, relations: IDMap,
                split: InteractionSplit, knowledge: KGTriples, features: MultimodalFeatures,
                sequenceLength: Int = 16) {
        self.name = name
        self.users = users
        self.items = items
        self.entities = entities
        self.relations = relations
        self.split = split
        self.knowledge = knowledge
        self.features = features
        graph = CollaborativeKG(itemCount: items.count, attributeCount: entities.count - items.count,
                                userCount: users.count, trainUsers: split.trainUsers,
                                trainItems: split.trainItems, knowledge: knowledge)
        sequences = NeighbourSequences(graph: graph, length: sequenceLength)
    }

    /// One-line summary of the counts.
    public var summary: String {
        "\(name): \(userCount) users, \(itemCount) items, \(entityCount) entities (\(attributeCount) attributes), "
            + "\(relations.count) KG relations, \(knowledge.count) KG triples, "
            + "\(split.trainUsers.count)/\(split.validUsers.count)/\(split.testUsers.count) train/valid/test pairs, "
            + "visual \(features.visual.map { "\($0.presentCount)×\($0.width)" } ?? "absent"), "
            + "text \(features.text.map { "\($0.presentCount)×\($0.width)" } ?? "absent")"
    }
}
