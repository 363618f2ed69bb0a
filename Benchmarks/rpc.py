#!/usr/bin/env python3
"""RPC benchmark: our interop server vs Python grpcio vs nghttpd, driven by h2load identically,
and the ranker's Score and Recommend beside EmptyCall.

    .venv/bin/python Benchmarks/rpc.py [--duration 5] [--rounds 3] [--kgrec .build/release/kgrec]
                                       [--compare OTHER_KGREC]

Starts, on 127.0.0.1 with free ports: `kgrec interop-server` (release build), a grpcio
TestService (Tests/interop/python_test_server.py) and `nghttpd --no-tls` serving, at the same
paths, static files holding exactly the framed gRPC responses (the ceiling for this HTTP/2
library). For EmptyCall and a 1 KiB UnaryCall (1024-byte payload in, 1024-byte payload out) it
first checks each gRPC server answers correctly (grpcio client), then runs
`h2load -c C -m M -D duration --warm-up-time W` with `content-type: application/grpc`,
`te: trailers` and the framed request as POST data, and prints req/s, mean and max latency, and
each kgrec's ratio to grpcio and to nghttpd.

--compare OTHER_KGREC adds a second binary's `kgrec interop-server` (same flags) to the same
interleaved rounds (odd rounds run the two in the other order), so two builds are compared like
for like; use an even --rounds so each leads equally often. Each kgrec row is labelled with its
binary's file name (the two must differ). Only --kgrec's binary serves the ranker rows.

Ranker (unless --ranker-items 0): `kgrec-ranker` (beside --kgrec, default flags, so one event loop
per core) in front of `kgrec table-graph serve --synthetic N,N` (a seeded N-user, N-item table of
176 + 176 floats), and a second interop server with as many event loops; h2load runs, in the same
interleaved rounds, EmptyCall on that server, Score (one cached user, 100 candidate ids) and
Recommend (k = 10: an exact scan of the N items) on the ranker, and the table gives each one's
ratio to that EmptyCall. Stops every server by PID, also on error or Ctrl-C.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/interop"))

import protos  # noqa: E402
import processes  # noqa: E402

START_TIMEOUT = 30


def frame(payload: bytes) -> bytes:
    return b"\0" + len(payload).to_bytes(4, "big") + payload


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listen_line(proc, what):
    """Reads stdout until 'listening on HOST:PORT'; returns the port."""
    deadline = time.monotonic() + START_TIMEOUT
    buf = b""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}")
            if sel.select(timeout=0.1):
                buf += os.read(proc.stdout.fileno(), 4096)
                m = re.search(rb"listening on [^\s:]+:(\d+)", buf)
                if m:
                    return int(m.group(1))
        raise TimeoutError(f"{what} did not report its port within {START_TIMEOUT}s")
    finally:
        sel.close()


def wait_port(port, what):
    import socket
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on {port} within {START_TIMEOUT}s")


def stop(proc):
    processes.stop(proc, timeout=10)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_h2load(out: str):
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    m = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", out)
    max_ms = float(m.group(3)) * UNITS[m.group(4)]
    mean_ms = float(m.group(5)) * UNITS[m.group(6)]
    req = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
    done, ok = int(req.group(2)), int(req.group(3))
    return rps, mean_ms, max_ms, done, ok


def h2load(port, path, data_file, args):
    cmd = ["h2load", "-c", str(args.clients), "-m", str(args.streams), "-t", str(args.h2load_threads),
           "-D", str(args.duration), "--warm-up-time", str(args.warmup),
           "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", str(data_file),
           f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + args.warmup + 60)
    if out.returncode != 0:
        raise RuntimeError(f"h2load failed: {out.stderr or out.stdout}")
    parsed = parse_h2load(out.stdout)
    if parsed[3] == 0:  # h2load exits 0 even when the server died: no request done is a failure
        raise RuntimeError(f"h2load: no request completed on port {port} {path} (server down?)")
    return parsed, " ".join(cmd[:-1])


def check_grpc(port, pb):
    """One EmptyCall and one 1 KiB UnaryCall through grpcio, so we benchmark correct answers."""
    import grpc
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = pb.test_pb2_grpc.TestServiceStub(ch)
        stub.EmptyCall(pb.empty_pb2.Empty(), timeout=10)
        r = stub.UnaryCall(pb.messages_pb2.SimpleRequest(response_size=1024, payload=pb.messages_pb2.Payload(body=b"\0" * 1024)), timeout=10)
        assert len(r.payload.body) == 1024


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kgrec", default=os.environ.get("KGREC_BIN", str(ROOT / ".build/release/kgrec")))
    p.add_argument("--compare", metavar="OTHER_KGREC",
                   help="a second kgrec binary whose interop server joins the same rounds (e.g. an older build)")
    p.add_argument("--duration", type=int, default=5, help="seconds measured per run (h2load -D)")
    p.add_argument("--warmup", type=int, default=1, help="h2load --warm-up-time seconds")
    p.add_argument("--clients", type=int, default=16, help="h2load -c")
    p.add_argument("--streams", type=int, default=16, help="h2load -m (concurrent streams per connection)")
    p.add_argument("--h2load-threads", type=int, default=1, help="h2load -t")
    p.add_argument("--event-loops", type=int, default=1,
                   help="our server's event loops (default 1, like nghttpd's single thread)")
    p.add_argument("--grpcio-workers", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median run is reported")
    p.add_argument("--ranker-items", type=int, default=2000,
                   help="users and items of the ranker's synthetic table (0 = no ranker rows)")
    p.add_argument("--ranker-arg", action="append", default=[],
                   help="extra kgrec-ranker flag (repeatable), e.g. --ranker-arg=--inline-scan-bytes=0")
    p.add_argument("--grpcio-aio", action="store_true",
                   help="benchmark grpcio's asyncio server (its fastest) instead of the thread-pool one")
    args = p.parse_args()

    for tool in ("h2load", "nghttpd"):
        if not shutil.which(tool):
            sys.exit(f"rpc.py: {tool} not found (apt-get install nghttp2-client nghttp2-server)")
    kgrecs = [args.kgrec] + ([args.compare] if args.compare else [])
    for binary in kgrecs:
        if not Path(binary).is_file():
            sys.exit(f"rpc.py: {binary} not found: build it (make build) or pass --kgrec / --compare")
    labels = [Path(binary).name for binary in kgrecs]
    if len(set(labels)) != len(labels):
        sys.exit(f"rpc.py: --kgrec and --compare need different file names (they label the rows): {labels[0]}")

    pb = protos.load()
    work = Path(tempfile.mkdtemp(prefix="kgrec-bench-"))
    empty_path = "/grpc.testing.TestService/EmptyCall"
    unary_path = "/grpc.testing.TestService/UnaryCall"
    request_1k = pb.messages_pb2.SimpleRequest(response_size=1024, payload=pb.messages_pb2.Payload(body=b"\0" * 1024))
    response_1k = pb.messages_pb2.SimpleResponse(payload=pb.messages_pb2.Payload(body=b"\0" * 1024))
    rpcs = [("EmptyCall", empty_path, frame(b""), frame(b"")),
            ("UnaryCall 1 KiB", unary_path, frame(request_1k.SerializeToString()), frame(response_1k.SerializeToString()))]
    www = work / "www"
    for name, path, req, resp in rpcs:
        f = www / path.lstrip("/")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(resp)
        (work / (path.rsplit("/", 1)[1] + ".req")).write_bytes(req)

    procs = []
    try:
        targets = []
        for binary, label in zip(kgrecs, labels):
            server = subprocess.Popen([binary, "interop-server", "--host", "127.0.0.1", "--port", "0",
                                     "--event-loops", str(args.event_loops)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            procs.append(server)
            targets.append((label, wait_listen_line(server, f"{label} interop-server")))
        py = subprocess.Popen([sys.executable, str(ROOT / "Tests/interop/python_test_server.py"), "--port", "0",
                               "--workers", str(args.grpcio_workers)] + (["--aio"] if args.grpcio_aio else []),
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(ROOT / "Tests/interop"))
        procs.append(py)
        py_port = wait_listen_line(py, "grpcio server")
        ng_port = free_port()
        ng = subprocess.Popen(["nghttpd", "--no-tls", "-d", str(www), str(ng_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(ng)
        wait_port(ng_port, "nghttpd")
        targets += [("grpcio", py_port), ("nghttpd", ng_port)]
        for target, port in targets:
            if target != "nghttpd":
                check_grpc(port, pb)
        ranker_rpcs = start_ranker(args, pb, work, procs) if args.ranker_items > 0 else []

        runs = {}
        command = ""
        load_before = os.getloadavg()[0]
        # Rounds interleave the targets, so load from elsewhere on the machine hits all alike;
        # each cell reports the run with the median req/s. Odd rounds swap the two kgrec binaries:
        # in a fixed order the first one ran slower, whichever binary it was.
        ours, others = targets[:len(kgrecs)], targets[len(kgrecs):]
        for r in range(args.rounds):
            for name, path, _, _ in rpcs:
                data = work / (path.rsplit("/", 1)[1] + ".req")
                for target, port in (ours if r % 2 == 0 else ours[::-1]) + others:
                    (rps, mean, mx, done, ok), command = h2load(port, path, data, args)
                    if ok != done:
                        raise RuntimeError(f"{target} {name}: only {ok} of {done} requests succeeded")
                    runs.setdefault((name, target), []).append((rps, mean, mx))
            for name, port, data in ranker_rpcs:
                (rps, mean, mx, done, ok), _ = h2load(port, name[1], data, args)
                if ok != done:
                    raise RuntimeError(f"{name[0]}: only {ok} of {done} requests succeeded")
                runs.setdefault((name[0], "ranker"), []).append((rps, mean, mx))
        results = {k: sorted(v)[len(v) // 2] for k, v in runs.items()}

        print(f"\nh2load: {command} URL   ({args.duration}s measured after {args.warmup}s warm-up; "
              f"median of {args.rounds} interleaved rounds; 1-min load average at start: {load_before:.1f})")
        for binary, label in zip(kgrecs, labels):
            print(f"{label}: {binary} interop-server --event-loops {args.event_loops}")
        print(f"grpcio {grpc_version()} ({'asyncio server' if args.grpcio_aio else f'{args.grpcio_workers} worker threads'}); "
              f"nghttpd {ng_version()} static framed response\n")
        width = max(8, *map(len, labels))
        print(f"{'rpc':<16} {'target':<{width}} {'req/s':>10} {'mean ms':>9} {'max ms':>9}  {'/grpcio':>8} {'/nghttpd':>8}")
        for name, *_ in rpcs:
            for target, _ in targets:
                rps, mean, mx = results[(name, target)]
                ratios = "" if target not in labels else \
                    f"{rps / results[(name, 'grpcio')][0]:>7.2f}x {rps / results[(name, 'nghttpd')][0]:>7.2f}x"
                print(f"{name:<16} {target:<{width}} {rps:>10.0f} {mean:>9.2f} {mx:>9.2f}  {ratios}")
        if ranker_rpcs:
            base = results[(ranker_rpcs[0][0][0], "ranker")][0]
            print(f"\nranker ({labels[0]}): kgrec-ranker (default flags{' + ' + ' '.join(args.ranker_arg) if args.ranker_arg else ''}: {os.cpu_count()} event loops) over kgrec table-graph serve "
                  f"--synthetic {args.ranker_items},{args.ranker_items} (176+176 floats); EmptyCall on kgrec interop-server "
                  f"--event-loops {os.cpu_count()}; same rounds\n")
            print(f"{'rpc':<28} {'req/s':>10} {'mean ms':>9} {'max ms':>9}  {'/EmptyCall':>10}")
            for (name, _path), _, _ in ranker_rpcs:
                rps, mean, mx = results[(name, "ranker")]
                print(f"{name:<28} {rps:>10.0f} {mean:>9.2f} {mx:>9.2f}  {rps / base:>9.2f}x")
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def start_ranker(args, pb, work, procs):
    """Starts table-graph, kgrec-ranker and an interop server with as many loops; checks Score and
    Recommend answer; returns [((name, path), port, request file)] for h2load, EmptyCall first."""
    import grpc
    n = args.ranker_items
    graph = subprocess.Popen([args.kgrec, "table-graph", "serve", "--synthetic", f"{n},{n}", "--port", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    procs.append(graph)
    graph_port = wait_listen_line(graph, "kgrec table-graph")
    ranker_port = free_port()
    ranker = subprocess.Popen([str(Path(args.kgrec).parent / "kgrec-ranker"), "--graph", f"127.0.0.1:{graph_port}",
                               "--host", "127.0.0.1", "--port", str(ranker_port), "--admin-port", "-1",
                               "--no-reflection", "--log-level", "warn", *args.ranker_arg],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(ranker)
    loops = subprocess.Popen([args.kgrec, "interop-server", "--host", "127.0.0.1", "--port", "0",
                              "--event-loops", str(os.cpu_count())], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    procs.append(loops)
    loops_port = wait_listen_line(loops, "kgrec interop-server")
    score = pb.ranker_pb2.ScoreRequest(user_id="u1", item_ids=[f"i{(j * 19) % n}" for j in range(100)])
    recommend = pb.ranker_pb2.RecommendRequest(user_id="u1", k=10)
    deadline = time.monotonic() + START_TIMEOUT
    with grpc.insecure_channel(f"127.0.0.1:{ranker_port}") as ch:
        stub = pb.ranker_pb2_grpc.RankerStub(ch)
        while True:
            try:
                r = stub.Score(score, timeout=5)
                break
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline or ranker.poll() is not None:
                    raise RuntimeError(f"kgrec-ranker did not answer Score: {e}")
                time.sleep(0.2)
        assert len(r.items) == 100, r
        assert len(stub.Recommend(recommend, timeout=5).items) == 10
    files = []
    for name, msg in (("score", score), ("recommend", recommend)):
        f = work / f"ranker-{name}.req"
        f.write_bytes(frame(msg.SerializeToString()))
        files.append(f)
    empty = work / "EmptyCall.req"
    return [((f"EmptyCall ({os.cpu_count()} loops)", "/grpc.testing.TestService/EmptyCall"), loops_port, empty),
            ((f"Score (100 candidates, {len(score.SerializeToString())} B)", "/kgrec.v1.Ranker/Score"), ranker_port, files[0]),
            ((f"Recommend (k=10, {n} items)", "/kgrec.v1.Ranker/Recommend"), ranker_port, files[1])]


def grpc_version():
    import grpc
    return grpc.__version__


def ng_version():
    out = subprocess.run(["nghttpd", "--version"], capture_output=True, text=True).stdout
    return out.strip().split("/")[-1]


if __name__ == "__main__":
    sys.exit(main())
