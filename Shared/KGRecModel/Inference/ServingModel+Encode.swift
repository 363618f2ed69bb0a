import KGRecTensor

extension ServingModel {
    /// The encoder stage: one `FusedItem` per input, in order.
    ///
    /// Shapes: S inputs, sequence length n, per channel the gathered layer-0 rows `[S·n, d]` (position
    /// 0 = the item, then its neighbours, padding copies the item and is masked as a key), the fusion
    /// blocks, position 0's output `[S, d]`. Without fusion the output is the item's layer-0 row.
    /// Throws `ServingInputError` for an item or node index out of range or a raw vector whose
    /// width differs from the checkpoint's.
    /// Inputs are encoded in chunks of `chunkItems` on throwaway tapes, so memory stays bounded
    /// (the fusion keeps ~40 `[S·n, d]` intermediates per block and stream on its tape).
    public func encode(_ inputs: [EncodeInput], chunkItems: Int = 512) throws -> [FusedItem] {
        if inputs.count <= chunkItems { return try encodeChunk(inputs, offset: 0) }
        var out: [FusedItem] = []
        out.reserveCapacity(inputs.count)
        for start in stride(from: 0, to: inputs.count, by: chunkItems) {
            out += try encodeChunk(Array(inputs[start..<min(inputs.count, start + chunkItems)]), offset: start)
        }
        return out
    }

    /// One chunk; `offset` is the chunk's first input index (for error messages).
    private func encodeChunk(_ inputs: [EncodeInput], offset: Int) throws -> [FusedItem] {
        if inputs.isEmpty { return [] }
        let n = sequenceLength, s = inputs.count, d = embeddingSize
        let nodeCount = model.nodeCount
        var nodes = [Int32](repeating: 0, count: s * n)  // layer-0 row per position; -1 = own row
        var mask = [Bool](repeating: false, count: s * n)
        var cold: [(input: Int, raw: RawContent)] = []
        for (k0, input) in inputs.enumerated() {
            let k = k0 + offset
            var sequence: [Int32]
            switch input {
            case let .known(item, neighbours):
                guard item >= 0 && item < model.itemCount else {
                    throw ServingInputError(.unknownItem, item: k, "entity \(item) is not an item of the model (0..<\(model.itemCount))")
                }
                if let neighbours {
                    sequence = [Int32(item)] + neighbours.prefix(n - 1)
                } else if let fusion = model.fusion {
                    sequence = (0..<n).compactMap { p in
                        fusion.keyMask[item * n + p] ? fusion.sequenceNodes[item * n + p] : nil
                    }
                } else {
                    sequence = [Int32(item)]
                }
            case let .cold(raw, neighbours):
                if raw.rawText != nil && raw.text == nil {
                    throw ServingInputError(.textNotEmbedded, item: k, "raw text must first be embedded by an encoder service with a "
                                                                       + "text model (kgrec-encoder --text-model DIR)")
                }
                for m in Modality.allCases {
                    guard let v = raw[m] else { continue }
                    guard let w = rawWidth(of: m) else {
                        throw ServingInputError(.noProjection, item: k, "the model has no \(m.rawValue) projection, got a \(m.rawValue) vector")
                    }
                    guard v.count == w else {
                        throw ServingInputError(.wrongWidth, item: k, "\(m.rawValue) vector has \(v.count) values, the model needs \(w)")
                    }
                }
                cold.append((k0, raw))
                sequence = [-1] + neighbours.prefix(n - 1)
            }
            for (p, node) in sequence.enumerated() {
                guard node >= -1 && node < Int32(nodeCount) && (p == 0 || node >= 0) else {
                    throw ServingInputError(.unknownNode, item: k, "neighbour \(node) is not a node of the graph (0..<\(nodeCount))")
                }
                nodes[k0 * n + p] = node
                mask[k0 * n + p] = true
            }
            for p in sequence.count..<n { nodes[k0 * n + p] = sequence[0] }
        }

        // Per channel: the cold items' own layer-0 rows, then every position's row.
        let tape = Tape()
        var xs: [Tape.Var] = []
        for (c, channel) in model.channels.enumerated() {
            var coldRows = Matrix(rows: cold.count, cols: d)
            if let projection = channel.projection, let m = Modality(rawValue: channel.name) {
                let present = cold.enumerated().filter { $0.element.raw[m] != nil }
                if !present.isEmpty {
                    let raw = Matrix(rows: present.count, cols: projection.linear.weight.value.rows,
                                     data: present.flatMap { $0.element.raw[m]! })
                    let projected = tape.value(projection(tape, raw))
                    for (r, p) in present.enumerated() {
                        for j in 0..<d { coldRows.data[p.offset * d + j] = projected.data[r * d + j] }
                    }
                }
            }
            var x = Matrix(rows: s * n, cols: d)
            let table = layer0[c]
            var coldIndex = 0
            for k in 0..<s {
                let isCold = coldIndex < cold.count && cold[coldIndex].input == k
                for p in 0..<n {
                    let node = nodes[k * n + p], dst = (k * n + p) * d
                    if node < 0 {
                        for j in 0..<d { x.data[dst + j] = coldRows.data[coldIndex * d + j] }
                    } else {
                        for j in 0..<d { x.data[dst + j] = table.data[Int(node) * d + j] }
                    }
                }
                if isCold { coldIndex += 1 }
            }
            xs.append(tape.constant(x))
        }
        let first = (0..<s).map { Int32($0 * n) }
        let own = xs.map { tape.value(tape.gatherRows($0, first)) }  // each item's layer-0 row [S, d]
        var outputs = own
        if let fusion = model.fusion {
            for block in fusion.blocks {
                xs = block(tape, xs, sequences: s, keyMask: mask, sources: fusion.sources)
            }
            // The fused vector is added to the item's own row (as `MultiKG4Rec.fuseItems`).
            outputs = zip(own, xs).map { o, x in Kernels.zip(o, tape.value(tape.gatherRows(x, first))) { $0 + $1 } }
        }
        return (0..<s).map { k in FusedItem(channels: outputs.map { $0.row(k) }) }
    }
}
