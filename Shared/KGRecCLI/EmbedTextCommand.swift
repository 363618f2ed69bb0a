import Foundation
import KGRecModel
import KGRecText

/// `kgrec embed-text`: `id<TAB>text` lines → L2-normalised sentence vectors `X.npy`, their ids
/// `X.ids` (one per line, row order) and `X.textmodel` (the model's fingerprint, which
/// `kgrec train` records in the checkpoint). `--from-ml100k-item` builds the ml-100k text file of the
/// shared features ("TITLE (YEAR). Genres: G1, G2.") from RecBole's `ml-100k.item`.
struct EmbedTextCommand: CLICommand {
    let name = "embed-text"
    let summary = "embed id<TAB>text lines with a MiniLM sentence encoder into X.npy + X.ids"

    /// The model folder `scripts/fetch-minilm.sh` fills, and sentences per forward pass.
    enum Defaults {
        static let model = "data/minilm"
        static let batchSize = 64
    }

    static let specs: [CommandFlags.Spec] = [
        .init("model", "sentence-transformers model folder (from scripts/fetch-minilm.sh)", default: Defaults.model),
        .init("in", "input: one 'id<TAB>text' line per item, UTF-8"),
        .init("out", "output matrix X.npy (X.ids and X.textmodel are written beside it)"),
        .init("from-ml100k-item", "build the input from RecBole's ml-100k.item instead of --in"),
        .init("texts-out", "with --from-ml100k-item: also write the id<TAB>text file here"),
        .init("batch-size", "sentences per forward pass", default: Defaults.batchSize),
        .init("quiet", "no progress lines", value: false),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            let records: [(id: String, text: String)]
            switch (f.string("in"), f.string("from-ml100k-item")) {
            case let (path?, nil): records = try TextRecords.read(path: path)
            case let (nil, item?):
                records = try TextRecords.ml100kItems(path: item)
                if let t = f.string("texts-out") { try TextRecords.write(records, to: t) }
            default: throw CommandFlags.UsageError("give exactly one of --in FILE and --from-ml100k-item FILE")
            }
            guard let out = f.string("out") else {
                if f.string("texts-out") != nil { return 0 }
                throw CommandFlags.UsageError("--out X.npy is required")
            }
            guard out.hasSuffix(".npy") else { throw CommandFlags.UsageError("--out must end in .npy, got '\(out)'") }
            let batchSize = f.int("batch-size") ?? Defaults.batchSize
            guard batchSize > 0 else { throw CommandFlags.UsageError("--batch-size must be positive") }
            let progress = ProgressLine(enabled: !f.has("quiet"))
            let encoder = try SentenceEncoder(modelDirectory: f.string("model") ?? Defaults.model)
            let d = encoder.dimension
            var values = [Float]()
            values.reserveCapacity(records.count * d)
            let t0 = ProgressLine.now()
            var lastReport = t0
            var start = 0
            while start < records.count {
                let end = min(records.count, start + batchSize)
                values += encoder.embed(batch: encoder.tokenize(records[start..<end].map(\.text))).data
                start = end
                let now = ProgressLine.now()
                if now - lastReport >= 2 || end == records.count {
                    lastReport = now
                    progress.line("embed-text: \(end)/\(records.count) sentences, \(ProgressLine.fmt(Double(end) / max(now - t0, 1e-9), 1)) sentences/s")
                }
            }
            let seconds = ProgressLine.now() - t0
            try NpyFile.write(path: out, rows: records.count, cols: d, values: values)
            let stem = String(out.dropLast(4))
            try Data(records.map { $0.id + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: stem + ".ids"))
            try Data((encoder.fingerprint.description + "\n").utf8).write(to: URL(fileURLWithPath: stem + ".textmodel"))
            print("embedded \(records.count) texts into \(out) [\(records.count), \(d)] in \(ProgressLine.fmt(seconds, 2)) s "
                  + "(\(ProgressLine.fmt(Double(records.count) / max(seconds, 1e-9), 1)) sentences/s, batch \(batchSize)); "
                  + "text model \(encoder.fingerprint)")
            return 0
        }
    }
}
