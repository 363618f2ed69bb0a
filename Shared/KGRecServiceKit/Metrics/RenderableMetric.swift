/// Something the registry can write in the text format.
protocol RenderableMetric: Sendable {
    var name: String { get }
    func render(into out: inout String)
}
