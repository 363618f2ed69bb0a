/// A trainable tensor: value, accumulated gradient and Adam moments, all `[rows, cols]`.
///
/// Gradient and moments are allocated on first write (they read as zeros until then), so a model
/// that only serves never holds them: three more copies of every table, 1.5 GB at 1M nodes.
public final class Parameter {
    /// Stable name (checkpoint key).
    public let name: String
    public var value: Matrix
    /// Gradient accumulated by `Tape.backward`; zeroed by the optimiser after each step.
    public var grad: Matrix {
        get { storedGrad ?? zeros }
        set { storedGrad = newValue }
        _modify {
            if storedGrad == nil { storedGrad = zeros }
            yield &storedGrad!
        }
    }
    /// Adam first and second moments.
    var m: Matrix {
        get { storedM ?? zeros }
        _modify {
            if storedM == nil { storedM = zeros }
            yield &storedM!
        }
    }
    var v: Matrix {
        get { storedV ?? zeros }
        _modify {
            if storedV == nil { storedV = zeros }
            yield &storedV!
        }
    }
    private var storedGrad: Matrix?, storedM: Matrix?, storedV: Matrix?
    private var zeros: Matrix { Matrix(rows: value.rows, cols: value.cols) }
    /// Allocates gradient and moments if absent, before the optimiser holds `value` for writing:
    /// allocating them inside that access would read `value`'s shape during it (an exclusivity
    /// violation that a debug build traps).
    func allocateTrainingState() {
        if storedGrad == nil { storedGrad = zeros }
        if storedM == nil { storedM = zeros }
        if storedV == nil { storedV = zeros }
    }
    /// Whether gradient or moments have been written (and so take memory).
    var holdsTrainingState: Bool { storedGrad != nil || storedM != nil || storedV != nil }
    /// Whether this parameter is decayed by the optimiser's L2 term (not used for embeddings whose
    /// regularisation is explicit in the loss).
    public var trainable = true
    /// Whether a backward pass has reached this parameter since the last optimiser step. Adam skips
    /// untouched parameters, as PyTorch does for parameters whose `.grad` is None.
    public var touched = false
    /// Adam updates applied to this parameter (its bias-correction step count).
    public internal(set) var steps = 0
    /// Rows whose gradient a row-sparse op (`Tape.embeddingRows`) accumulated since the last step,
    /// each once, in first-touch order; `rowMarked [rows]` flags them (allocated on first use).
    public internal(set) var touchedRows: [Int32] = []
    var rowMarked: [Bool] = []

    public init(_ name: String, _ value: Matrix) {
        self.name = name
        self.value = value
    }

    /// Records that rows `index` received gradient (duplicates are recorded once).
    func markRows(_ index: [Int32]) {
        if rowMarked.isEmpty { rowMarked = [Bool](repeating: false, count: value.rows) }
        for r in index where !rowMarked[Int(r)] {
            rowMarked[Int(r)] = true
            touchedRows.append(r)
        }
    }

    /// Forgets the recorded rows (after an optimiser step).
    public func clearRows() {
        for r in touchedRows { rowMarked[Int(r)] = false }
        touchedRows.removeAll(keepingCapacity: true)
    }

    /// Replaces the value (same shape) and clears gradient and moments.
    public func load(_ newValue: Matrix) {
        precondition(newValue.rows == value.rows && newValue.cols == value.cols)
        value = newValue
        storedGrad = nil; storedM = nil; storedV = nil
        touched = false
        if !touchedRows.isEmpty { clearRows() }
        steps = 0
    }
}
