import GRPCCore
import KGRecModel
import KGRecWire

/// The online updates on top of the trained graph, in log order: new users and items (appended
/// after the trained ones, so trained indices never move), new items' KG links and raw content,
/// and added interactions. A value: `applying` returns a new state, so a failed update changes
/// nothing.
struct GraphAdditions: Sendable {
    /// Every user / item token: trained ones first (same indices as the dataset), then new ones.
    private(set) var users: IDMap
    private(set) var items: IDMap
    private(set) var newItemLinks: [[ServingGraph.Link]] = []
    private(set) var newItemRaw: [RawContent] = []
    private(set) var interactions: [(user: Int32, item: Int32)] = []
    /// Number of requests applied (the table version is 1 + this).
    private(set) var records = 0
    let baseUsers: Int

    init(dataset: Dataset) {
        users = dataset.users
        items = dataset.items
        baseUsers = dataset.userCount
    }

    var newUserCount: Int { users.count - baseUsers }

    func graph(sequenceLength: Int, dataset: Dataset) -> ServingGraph {
        ServingGraph(dataset: dataset, newItemLinks: newItemLinks, newUsers: newUserCount,
                     interactions: interactions, sequenceLength: sequenceLength)
    }

    /// Validates the whole request against this state before changing anything, then returns the
    /// state with it applied. Unknown users become new users; an interaction's item must be known
    /// or among the request's `new_items`. Errors: ALREADY_EXISTS (a new item that already exists),
    /// INVALID_ARGUMENT (empty request or ids, a raw vector whose width differs from the checkpoint's,
    /// an unknown relation or link entity, raw_text that is not UTF-8 or is beside raw.text),
    /// NOT_FOUND (an interaction with an unknown item).
    func applying(_ request: Kgrec_V1_AddInteractionsRequest, model: ServingModel) throws(RPCError) -> GraphAdditions {
        guard !request.newItems.isEmpty || !request.interactions.isEmpty else {
            throw RPCError(.invalidArgument, "AddInteractions needs new_items or interactions")
        }
        var next = self
        let dataset = model.dataset
        for (k, item) in request.newItems.enumerated() {
            let at = "new_items[\(k)]"
            guard !item.itemId.isEmpty else { throw RPCError(.invalidArgument, "\(at): item_id is empty") }
            guard next.items.index(of: item.itemId) == nil else {
                throw RPCError(.alreadyExists, "\(at): item '\(item.itemId)' already exists")
            }
            var raw = RawContent()
            for m in Modality.allCases {
                let v = m == .visual ? item.raw?.visual : item.raw?.text
                guard let v else { continue }
                guard let width = model.rawWidth(of: m) else {
                    throw RPCError(.invalidArgument, "\(at) ('\(item.itemId)'): the checkpoint has no \(m.rawValue) "
                                   + "modality; leave raw.\(m.rawValue) unset")
                }
                guard v.values.count == width else {
                    throw RPCError(.invalidArgument, "\(at) ('\(item.itemId)'): raw.\(m.rawValue) has "
                                   + "\(v.values.count) values, the checkpoint needs \(width)")
                }
                raw[m] = v.values
            }
            if !item.rawText.isEmpty {
                guard model.rawWidth(of: .text) != nil else {
                    throw RPCError(.invalidArgument, "\(at) ('\(item.itemId)'): the checkpoint has no text modality; leave raw_text unset")
                }
                guard raw.text == nil else {
                    throw RPCError(.invalidArgument, "\(at) ('\(item.itemId)'): set raw.text or raw_text, not both")
                }
                guard let text = String(validating: item.rawText, as: UTF8.self) else {
                    throw RPCError(.invalidArgument, "\(at) ('\(item.itemId)'): raw_text is not valid UTF-8")
                }
                raw.rawText = text  // embedded by the encoder service (its --text-model)
            }
            var links: [ServingGraph.Link] = []
            for (j, link) in item.links.enumerated() {
                guard let r = dataset.relations.index(of: link.relation) else {
                    throw RPCError(.invalidArgument, "\(at).links[\(j)]: unknown relation '\(link.relation)'")
                }
                guard let e = dataset.entities.index(of: link.entityId) ?? dataset.items.index(of: link.entityId) else {
                    throw RPCError(.invalidArgument, "\(at).links[\(j)]: unknown entity '\(link.entityId)' "
                                   + "(links must point at entities of the trained graph)")
                }
                links.append(.init(relation: r, entity: e))
            }
            next.items.insert(item.itemId)
            next.newItemLinks.append(links)
            next.newItemRaw.append(raw)
        }
        for (k, x) in request.interactions.enumerated() {
            guard !x.userId.isEmpty, !x.itemId.isEmpty else {
                throw RPCError(.invalidArgument, "interactions[\(k)]: user_id and item_id must be set")
            }
            guard let item = next.items.index(of: x.itemId) else {
                throw RPCError(.notFound, "interactions[\(k)]: unknown item '\(x.itemId)' (not in the graph "
                               + "and not among new_items)")
            }
            let user = next.users.insert(x.userId)
            next.interactions.append((user, item))
        }
        next.records += 1
        return next
    }
}
