import Foundation

/// Loads a `Dataset` as `DataOptions` says: format loader, split, features, graph, sequences.
public enum DatasetLoader {
    public static func load(_ options: DataOptions) throws -> Dataset {
        let fm = FileManager.default
        let (name, raw) = try loadRaw(options)
        let split: InteractionSplit
        if let dir = options.splitFiles {
            split = try SplitFiles.read(directory: dir, name: name, raw: raw)
        } else {
            split = raw.presplit ?? InteractionSplit.random(
                userCount: raw.users.count, itemCount: raw.items.count, users: raw.interactionUsers,
                items: raw.interactionItems, ratios: options.splitRatios, seed: options.seed)
        }

        var features = MultimodalFeatures()
        for m in Modality.allCases {
            let given = m == .text ? (options.textFeatures, options.textIds) : (options.visualFeatures, options.visualIds)
            var npy = given.0, ids = given.1
            if npy == nil {
                let candidate = (options.path as NSString).appendingPathComponent("\(name).\(m.rawValue).npy")
                if fm.fileExists(atPath: candidate) { npy = candidate }
            }
            guard let npyPath = npy else { continue }
            if ids == nil { ids = String(npyPath.dropLast(4)) + ".ids" }
            features[m] = try FeatureLoader.load(npy: npyPath, ids: ids!, entityCount: raw.entities.count,
                                                 resolve: raw.resolve)
        }
        var dataset = Dataset(name: name, users: raw.users, items: raw.items, entities: raw.entities,
                              relations: raw.relations, split: split, knowledge: raw.knowledge,
                              features: features, sequenceLength: options.sequenceLength)
        dataset.itemTitles = raw.itemTitles
        dataset.sourceDirectory = options.path
        return dataset
    }

    /// The dataset name and what its format loader reads (before splitting).
    static func loadRaw(_ options: DataOptions) throws -> (name: String, raw: RawData) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: options.path, isDirectory: &isDir), isDir.boolValue else {
            throw DataError(.unreadable, file: options.path, "no such dataset directory")
        }
        let raw: RawData
        let name: String
        switch options.format {
        case .recbole:
            name = try options.name ?? RecBoleLoader.datasetName(in: options.path)
            raw = try RecBoleLoader.load(directory: options.path, name: name, linkedOnly: options.linkedOnly)
        case .kgat:
            name = (options.path as NSString).lastPathComponent
            raw = try KGATLoader.load(directory: options.path, seed: options.seed)
        }
        guard !raw.interactionUsers.isEmpty else { throw DataError(.malformed, file: options.path, "no interactions") }
        return (name, raw)
    }
}
