import Foundation
import KGRecText

/// Where the tests find the fetched model (`scripts/fetch-minilm.sh`, run by `scripts/setup.sh`),
/// ml-100k (`scripts/fetch-ml100k.sh`) and the shared reference features.
enum TextTestPaths {
    static var repository: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }
    static var model: String { repository.appendingPathComponent("data/minilm").path }
    static var fixture: String { repository.appendingPathComponent("Tests/KGRecTextTests/Fixtures/minilm-reference.json").path }
    static var ml100kItem: String { repository.appendingPathComponent("data/ml-100k/ml-100k.item").path }
    /// The shared data folder: `$KGREC_SHARED_DATA`, else `../shared/data` beside the clone, else
    /// `/work/shared/data`.
    static var sharedData: String? {
        var candidates = [repository.deletingLastPathComponent().appendingPathComponent("shared/data").path,
                          "/work/shared/data"]
        if let env = ProcessInfo.processInfo.environment["KGREC_SHARED_DATA"] { candidates.insert(env, at: 0) }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/ml100k-item-text-minilm384.npy") }
    }
    static var modelAvailable: Bool { FileManager.default.fileExists(atPath: model + "/model.safetensors") }

    /// Loaded once for all suites (90 MB of weights).
    nonisolated(unsafe) static var shared: SentenceEncoder? = nil
    static let lock = NSLock()
    static func encoder() throws -> SentenceEncoder {
        lock.lock(); defer { lock.unlock() }
        if let e = shared { return e }
        let e = try SentenceEncoder(modelDirectory: model)
        shared = e
        return e
    }
}

func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
    return dot / max((na * nb).squareRoot(), 1e-30)
}
