/// How a training batch computes the propagation layers (evaluation, `kgrec eval` and serving always
/// propagate the whole graph exactly, in one forward pass).
public enum PropagationMode: String, Codable, Sendable, CaseIterable {
    /// Every BPR batch propagates the whole graph on the tape: exact, cost O(graph) per batch.
    case full
    /// GNNAutoScale-style history: per channel, tables of every node's layer outputs 1…L−1 are
    /// computed once per epoch (no gradient) and a BPR batch computes each layer exactly for its own
    /// nodes only, from its own previous layer (on the tape) and its 1-hop neighbours' rows — layer 0
    /// on the tape, deeper layers from the tables (constants). The batch's fresh rows are written
    /// back into the tables. Cost O(batch · degree) per batch; equal to `full` while the tables are
    /// fresh (forward), with gradients truncated at the tables.
    case history
}
