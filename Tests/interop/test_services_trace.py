"""W3C trace context across the running services (`kgrec up`): the trace id a client sends is in
the JSON log lines of every service its call reaches, each hop with its own span id whose parent
is the caller's span. Today's request paths: a Recommend that misses the ranker's cache reaches the
graph (GetEmbeddings); the graph calls the encoders only while it builds a table, which an
AddInteractions with a new item does inside the call."""
import json
import secrets
import time

import grpc

import protos


def log_lines(service):
    lines = []
    with open(service["log"]) as f:
        for line in f:
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass  # a line cut by the reader racing the writer
    return lines


def traced(topology, role, trace_id, want=1, timeout=20.0):
    """The log lines of `role` with `trace_id` (waits for at least `want`, bounded)."""
    service = next(s for s in topology["services"] if s["role"] == role)
    deadline = time.monotonic() + timeout
    while True:
        got = [l for l in log_lines(service) if l.get("trace_id") == trace_id]
        if len(got) >= want or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def address(topology, role):
    return next(s for s in topology["services"] if s["role"] == role)["grpc"]


def scrape_misses(topology):
    import urllib.request
    port = next(s for s in topology["services"] if s["role"] == "ranker")["admin_port"]
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return float(next(l.split()[-1] for l in text.splitlines() if l.startswith("kgrec_cache_misses_total ")))


def test_one_trace_id_follows_a_cache_missing_recommend_from_ranker_to_graph(topology):
    pb = protos.load()
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    user = topology["users"][-1]  # no other test asks for this user: its embedding is not cached
    misses = scrape_misses(topology)
    with grpc.insecure_channel(address(topology, "ranker")) as ch:
        reply = pb.ranker_pb2_grpc.RankerStub(ch).Recommend(
            pb.ranker_pb2.RecommendRequest(user_id=user, k=3), timeout=30,
            metadata=[("traceparent", f"00-{trace_id}-{parent}-01"), ("tracestate", "kgrec=test")])
    assert len(reply.items) == 3
    assert scrape_misses(topology) > misses, "the call did not miss the cache"
    ranker = [l for l in traced(topology, "ranker", trace_id) if l["msg"] == "rpc"]
    assert [l["method"] for l in ranker] == ["/kgrec.v1.Ranker/Recommend"]
    assert ranker[0]["parent_span_id"] == parent and ranker[0]["span_id"] != parent
    graph = [l for l in traced(topology, "graph", trace_id) if l["msg"] == "rpc"]
    assert [l["method"] for l in graph] == ["/kgrec.v1.Graph/GetEmbeddings"]
    assert graph[0]["parent_span_id"] == ranker[0]["span_id"]
    assert graph[0]["span_id"] not in (parent, ranker[0]["span_id"])
    assert traced(topology, "encoder", trace_id, want=1, timeout=0.5) == []  # not on this path


def test_a_new_item_carries_the_trace_from_graph_to_encoder(topology):
    pb = protos.load()
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    request = pb.graph_pb2.AddInteractionsRequest(
        new_items=[pb.graph_pb2.NewItem(item_id=f"traced-{trace_id[:8]}")],
        interactions=[pb.graph_pb2.Interaction(user_id=topology["users"][0], item_id=f"traced-{trace_id[:8]}")])
    with grpc.insecure_channel(address(topology, "graph")) as ch:
        reply = pb.graph_pb2_grpc.GraphStub(ch).AddInteractions(
            request, timeout=60, metadata=[("traceparent", f"00-{trace_id}-{parent}-01")])
    assert reply.accepted_items == 1
    graph = [l for l in traced(topology, "graph", trace_id) if l["msg"] == "rpc"]
    assert [l["method"] for l in graph] == ["/kgrec.v1.Graph/AddInteractions"] and graph[0]["parent_span_id"] == parent
    encoder = [l for l in traced(topology, "encoder", trace_id) if l["msg"] == "rpc"]
    assert encoder and {l["parent_span_id"] for l in encoder} == {graph[0]["span_id"]}
    assert all(l["method"].startswith("/kgrec.v1.Encoder/") for l in encoder)


def test_a_malformed_traceparent_starts_a_new_trace(topology):
    pb = protos.load()
    service = next(s for s in topology["services"] if s["role"] == "ranker")
    before = len(log_lines(service))
    bad = "00-" + "A" * 32 + "-" + "b" * 16 + "-01"  # upper-case hex is invalid
    with grpc.insecure_channel(address(topology, "ranker")) as ch:
        pb.ranker_pb2_grpc.RankerStub(ch).Recommend(pb.ranker_pb2.RecommendRequest(user_id=topology["users"][0], k=1),
                                                    timeout=30, metadata=[("traceparent", bad)])
    deadline = time.monotonic() + 20
    while True:
        rpc = [l for l in log_lines(service)[before:] if l.get("msg") == "rpc" and l["method"] == "/kgrec.v1.Ranker/Recommend"]
        if rpc or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(rpc) == 1
    assert "parent_span_id" not in rpc[0]
    assert len(rpc[0]["trace_id"]) == 32 and rpc[0]["trace_id"] not in ("a" * 32, "A" * 32)
    assert int(rpc[0]["trace_id"], 16) != 0
