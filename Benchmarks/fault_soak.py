#!/usr/bin/env python3
"""Fault soak: SIGKILL the graph again and again under AddInteractions load, lose nothing.

    KGREC_BIN=.build/release/kgrec .venv/bin/python Benchmarks/fault_soak.py [--cycles 20] [--writers 2]

Starts the topology with `kgrec up --free-ports --restart on-failure --restart-limit CYCLES+1`
(so the deliberate kills are not taken for a crash loop; synthesising and training a
quick checkpoint first unless CHECKPOINT is set), then runs `--writers` threads that each send
AddInteractions of one new user with one known item, in a loop, recording every acknowledged
user. Meanwhile, `--cycles` times: wait 1-3 s, SIGKILL the graph (pid from the endpoints file
`kgrec up` rewrites after each restart), and time until the graph answers SERVING again (kgrec up
restarts it; each restart replays the log). At the end every acknowledged user must be known to
the graph (GetEmbeddings, batches of 256). Prints one line per cycle (restart seconds, graph RSS)
and a summary: acked / present / lost (must be 0), restart time min / median / max, graph RSS
after the first and the last restart, kgrec up's own RSS. Stops kgrec up by PID (also on error).
"""
import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/interop"))
import grpc  # noqa: E402
import protos  # noqa: E402
import processes  # noqa: E402
from up_topology import endpoints, serving  # noqa: E402


def rss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--writers", type=int, default=2)
    ap.add_argument("--work", default="runs/fault-soak")
    args = ap.parse_args()
    kgrec = os.environ.get("KGREC_BIN", ".build/release/kgrec")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ckpt = os.environ.get("CHECKPOINT")
    if not ckpt:
        ckpt = str(work / "run/checkpoint.safetensors")
        if not Path(ckpt).exists():
            subprocess.run([kgrec, "synth", "--out", str(work / "data")], check=True, stdout=subprocess.DEVNULL)
            subprocess.run([kgrec, "train", "--data", str(work / "data"), "--out", str(work / "run"), "--epochs", "1",
                            "--max-batches", "4", "--kg-batches", "1", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    state = work / "state"
    subprocess.run(["rm", "-rf", str(state)], check=True)
    ep_file = work / "endpoints.json"
    if ep_file.exists():
        ep_file.unlink()
    stubs = protos.load()
    up_log = open(work / "up.log", "w")
    up = subprocess.Popen([kgrec, "up", "--checkpoint", ckpt, "--free-ports", "--state-dir", str(state),
                           "--log-level", "warn", "--grace", "2s", "--restart", "on-failure",
                           "--restart-limit", str(args.cycles + 1),
                           "--endpoints-file", str(ep_file)], stdout=up_log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    acked, errors = [], {}
    lock = threading.Lock()
    try:
        for _ in range(1200):
            if ep_file.exists():
                break
            if up.poll() is not None:
                sys.exit(f"kgrec up exited; see {work / 'up.log'}")
            time.sleep(0.5)
        eps = endpoints(ep_file)
        graph = eps["graph"]["grpc"]
        with grpc.insecure_channel(graph) as ch:
            batch = next(iter(stubs.graph_pb2_grpc.GraphStub(ch).ExportEmbeddings(
                stubs.graph_pb2.ExportEmbeddingsRequest(batch_size=16, include_items=True), timeout=30)))
            items = [e.id for e in batch.items]

        def writer(w):
            ch = grpc.insecure_channel(graph)
            stub = stubs.graph_pb2_grpc.GraphStub(ch)
            k = 0
            while not stop.is_set():
                user = f"soak-{w}-{k}"
                k += 1
                req = stubs.graph_pb2.AddInteractionsRequest(interactions=[
                    stubs.graph_pb2.Interaction(user_id=user, item_id=random.choice(items), timestamp=k)])
                try:
                    stub.AddInteractions(req, timeout=10)
                    with lock:
                        acked.append(user)
                except grpc.RpcError as e:
                    with lock:
                        errors[e.code().name] = errors.get(e.code().name, 0) + 1
                    time.sleep(0.05)
            ch.close()

        threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(args.writers)]
        for t in threads:
            t.start()
        restarts, rss = [], []
        print(f"{'cycle':>5} {'acked':>7} {'restart s':>9} {'graph RSS MiB':>13}")
        for cycle in range(1, args.cycles + 1):
            time.sleep(random.uniform(1, 3))
            pid = endpoints(ep_file)["graph"]["pid"]
            os.kill(pid, signal.SIGKILL)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 120:
                cur = endpoints(ep_file)["graph"]["pid"]
                if cur != pid and serving(stubs, graph, "kgrec.v1.Graph", timeout=1):
                    break
                if up.poll() is not None:
                    sys.exit(f"kgrec up exited during cycle {cycle}; see {work / 'up.log'}")
                time.sleep(0.05)
            else:
                sys.exit(f"graph not back within 120 s in cycle {cycle}; see {work / 'up.log'}")
            restarts.append(time.monotonic() - t0)
            rss.append(rss_kib(endpoints(ep_file)["graph"]["pid"]) / 1024)
            with lock:
                n = len(acked)
            print(f"{cycle:>5} {n:>7} {restarts[-1]:>9.2f} {rss[-1]:>13.1f}", flush=True)
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join()
        present = 0
        with grpc.insecure_channel(graph) as ch:
            stub = stubs.graph_pb2_grpc.GraphStub(ch)
            for i in range(0, len(acked), 256):
                part = acked[i:i + 256]
                r = stub.GetEmbeddings(stubs.graph_pb2.GetEmbeddingsRequest(user_ids=part), timeout=30)
                present += len(part) - len(r.unknown_user_ids)
        print()
        print(f"acked {len(acked)}  present {present}  lost {len(acked) - present}  "
              f"failed (not acked, by status) {errors}")
        print(f"restart s: min {min(restarts):.2f}  median {statistics.median(restarts):.2f}  max {max(restarts):.2f}")
        print(f"graph RSS MiB after restart 1: {rss[0]:.1f}, after restart {len(rss)}: {rss[-1]:.1f}; "
              f"kgrec up RSS MiB {rss_kib(up.pid) / 1024:.1f}")
        sys.exit(0 if present == len(acked) else 1)
    finally:
        stop.set()
        processes.stop(up, timeout=30)


if __name__ == "__main__":
    main()
