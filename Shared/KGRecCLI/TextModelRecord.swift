import Foundation
import KGRecModel
import KGRecText

/// Which text model a training run's text features came from, for the checkpoint's
/// `kgrec.text_model`: `--text-model DIR` (its fingerprint), else the `X.textmodel` file that
/// `kgrec embed-text` wrote beside `--text-features X.npy`, else unknown (nil). The fingerprint's
/// width must be the features' width.
enum TextModelRecord {
    static func fingerprint(_ s: RunSettings, dataset: Dataset) throws -> String? {
        let found: (TextModelFingerprint, String)?
        if let dir = s.textModel {
            let config = try BertConfig(path: dir + "/config.json")
            found = (try TextModelFingerprint(modelDirectory: dir, dimension: config.hidden), dir)
        } else if let npy = s.data.textFeatures, npy.hasSuffix(".npy") {
            let sidecar = String(npy.dropLast(4)) + ".textmodel"
            guard let data = FileManager.default.contents(atPath: sidecar) else { return nil }
            let line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let f = TextModelFingerprint(parsing: line) else {
                throw DataError(.malformed, file: sidecar, line: 1, "expected 'name|dimension|crc32', got '\(line)'")
            }
            found = (f, sidecar)
        } else {
            return nil
        }
        guard let (f, source) = found else { return nil }
        guard let width = dataset.features.text?.width else {
            throw DataError(.inconsistent, file: source, "a text model is given but the dataset has no text features")
        }
        guard f.dimension == width else {
            throw DataError(.inconsistent, file: source, "text model \(f) makes \(f.dimension)-d vectors, the text features are \(width)-d")
        }
        return f.description
    }
}
