import Foundation
import KGRecModel

/// `kgrec export`: the start-up artifacts of a checkpoint. Today one file, `DIR/fused-items.kgrf`
/// (`FusedItemTable`): the encoder stage's output for every trained item, which `kgrec-graph
/// --fused-items` reads instead of sending every item through the encoders at start.
struct ExportCommand: CLICommand {
    let name = "export"
    let summary = "write a checkpoint's start-up artifacts (fused item vectors) for the graph service"

    static let specs: [CommandFlags.Spec] = [
        .init("checkpoint", "checkpoint (.safetensors) written by kgrec train"),
        .init("data", "dataset directory (default: the one recorded in the checkpoint)"),
        .init("out", "output directory (created); fused-items.kgrf is written inside"),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let checkpoint = f.string("checkpoint") else { throw CommandFlags.UsageError("--checkpoint FILE is required") }
            guard let out = f.string("out") else { throw CommandFlags.UsageError("--out DIR is required") }
            let t0 = ProgressLine.now()
            let model = try ServingModel.load(checkpoint: checkpoint, dataOverride: f.string("data"))
            let t1 = ProgressLine.now()
            let fused = try model.encode(model.trainedItemInputs())
            let t2 = ProgressLine.now()
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = (out as NSString).appendingPathComponent(FusedItemTable.fileName)
            try FusedItemTable.write(fused, channels: model.channelNames.count, width: model.embeddingSize,
                                     modelVersion: model.modelVersion, to: path)
            print("export: \(fused.count) items × \(model.channelNames.count) channels × \(model.embeddingSize) → \(path) "
                  + "(\(model.modelVersion); checkpoint + dataset load \(ProgressLine.fmt(t1 - t0, 1)) s, encode "
                  + "\(ProgressLine.fmt(t2 - t1, 1)) s, write \(ProgressLine.fmt(ProgressLine.now() - t2, 1)) s)")
            return 0
        }
    }
}
