#!/usr/bin/env python3
"""Profile of the ranker's Score hot path (issue 9): `kgrec table-graph serve --synthetic 2000,2000`,
`kgrec-ranker` in front of it, then `h2load -c 16 -m 16 -D 10` of one Score request (cached user
u1, 100 candidate ids, as Benchmarks/rpc.py) while `perf record -g` samples the ranker; prints
h2load's req/s and the ranker's CPU seconds. Read the profile with `perf report -i score.perf`.

    .venv/bin/python Benchmarks/score_profile.py .build/release/kgrec [perf|noperf]

Writes score.req and score.perf in the current directory; stops both servers.
"""
import os, subprocess, sys, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/interop")); sys.path.insert(0, str(ROOT / "Benchmarks"))
import protos
from rpc import wait_listen_line, free_port, frame
pb = protos.load()
kgrec = sys.argv[1]; mode = sys.argv[2] if len(sys.argv) > 2 else "perf"
n = 2000
graph = subprocess.Popen([kgrec, "table-graph", "serve", "--synthetic", f"{n},{n}", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
gp = wait_listen_line(graph, "g")
rp = free_port()
ranker = subprocess.Popen([os.path.join(os.path.dirname(kgrec), "kgrec-ranker"), "--graph", f"127.0.0.1:{gp}", "--host", "127.0.0.1", "--port", str(rp),
                           "--admin-port", "-1", "--no-reflection", "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    import grpc
    score = pb.ranker_pb2.ScoreRequest(user_id="u1", item_ids=[f"i{(j * 19) % n}" for j in range(100)])
    with grpc.insecure_channel(f"127.0.0.1:{rp}") as ch:
        stub = pb.ranker_pb2_grpc.RankerStub(ch)
        for _ in range(100):
            try: stub.Score(score, timeout=5); break
            except grpc.RpcError: time.sleep(0.2)
    open("score.req", "wb").write(frame(score.SerializeToString()))
    perf = subprocess.Popen(["perf", "record", "-g", "-o", "score.perf", "-p", str(ranker.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if mode == "perf" else None
    t0 = os.times()
    out = subprocess.run(["h2load", "-c", "16", "-m", "16", "-D", "10", "--warm-up-time", "1", "-H", "content-type: application/grpc", "-H", "te: trailers",
                          "-d", "score.req", f"http://127.0.0.1:{rp}/kgrec.v1.Ranker/Score"], capture_output=True, text=True)
    print([l for l in out.stdout.splitlines() if "req/s" in l or "requests:" in l])
    if perf: perf.send_signal(2); perf.wait()
    with open(f"/proc/{ranker.pid}/stat") as f: st = f.read().split()
    print("ranker utime+stime s", (int(st[13]) + int(st[14])) / os.sysconf("SC_CLK_TCK"))
finally:
    for p in (ranker, graph): p.terminate(); p.wait()
