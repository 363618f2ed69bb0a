#!/usr/bin/env python3
"""Hostile load: one client per attack class against one graph server while a good client measures.

    KGREC_BIN=.build/release/kgrec .venv/bin/python Benchmarks/hostile_load.py [--duration 60]

Starts one `kgrec-graph --local-encoder` (quick checkpoint unless CHECKPOINT is set) on a free
127.0.0.1 port, then for `--duration` seconds runs, each in its own thread:

  good       grpcio GetEmbeddings of 8 known items in a loop: latency p50/p99, errors by status
  repeat     GetEmbeddings of one id repeated 200 000 times (a ~1 GB answer if built)
  never-read raw HTTP/2, huge windows, ExportEmbeddings streams, never reads a byte
  zero-window raw HTTP/2, INITIAL_WINDOW_SIZE 0, 100 GetEmbeddings of 256 items each
  timers     raw HTTP/2, (empty, refused) AddInteractions with grpc-timeout 99999999H, fast
  reset      raw HTTP/2, HEADERS + RST_STREAM pairs (rapid reset), reconnecting when cut off
  partial    raw HTTP/2, 100 streams each announcing a 16 MiB message and sending 64 KiB of it
  long-msg   GetEmbeddings with a 200 KB id (its INVALID_ARGUMENT message would echo it)

and samples the server's RSS every 5 s. Prints RSS over time, each attacker's outcome and the
good client's p50/p99 and error rate. Stops the server by PID (also on error).
"""
import argparse
import os
import socket
import struct
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

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def hpack(headers):
    out = b""
    for n, v in headers:   # literal without indexing, new name, no Huffman
        n, v = n.encode(), v.encode()
        out += b"\x00" + hpack_len(len(n)) + n + hpack_len(len(v)) + v
    return out


def hpack_len(n):
    if n < 127:
        return bytes([n])
    out, n = [127], n - 127
    while n >= 128:
        out.append(n % 128 + 128)
        n //= 128
    return bytes(out + [n])


def grpc_headers(path, extra=()):
    return hpack([(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "x"),
                  ("content-type", "application/grpc"), ("te", "trailers"), *extra])


def raw_conn(port, settings=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(PREFACE + frame(4, 0, 0, settings))
    return s


def setting(ident, value):
    return struct.pack(">HI", ident, value)


def framed(msg):
    return b"\x00" + struct.pack(">I", len(msg)) + msg


class Attack(threading.Thread):
    def __init__(self, name, body, stop):
        super().__init__(daemon=True)
        self.name_, self.body, self.stop, self.outcome = name, body, stop, "ran"

    def run(self):
        try:
            self.outcome = self.body(self.stop) or "ran"
        except Exception as e:  # the attack's own failure is an outcome, not a crash of the script
            self.outcome = f"ended: {type(e).__name__}: {e}"


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--work", default="runs/hostile-load")
    ap.add_argument("--trim-probe", action="store_true", help="after the attack, call malloc_trim(0) in the server (gdb) and report RSS before/after")
    args = ap.parse_args()
    kgrec = os.environ.get("KGREC_BIN", ".build/release/kgrec")
    bindir = Path(kgrec).resolve().parent
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ckpt = os.environ.get("CHECKPOINT") or str(work / "run/checkpoint.safetensors")
    if not Path(ckpt).exists():
        subprocess.run([kgrec, "synth", "--out", str(work / "data")], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([kgrec, "train", "--data", str(work / "data"), "--out", str(work / "run"), "--epochs", "1",
                        "--max-batches", "4", "--kg-batches", "1", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = work / "graph.log"
    if (work / "interactions.log").exists():
        (work / "interactions.log").unlink()
    server = subprocess.Popen([str(bindir / "kgrec-graph"), "--checkpoint", ckpt, "--local-encoder", "--host", "127.0.0.1",
                               "--port", str(port), "--admin-port", "-1", "--log", str(work / "interactions.log"),
                               "--log-level", "warn"], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    stubs = protos.load()
    target = f"127.0.0.1:{port}"
    stop = threading.Event()
    try:
        items = []
        for _ in range(600):
            try:
                with grpc.insecure_channel(target) as ch:
                    batch = next(iter(stubs.graph_pb2_grpc.GraphStub(ch).ExportEmbeddings(
                        stubs.graph_pb2.ExportEmbeddingsRequest(batch_size=256, include_items=True), timeout=5)))
                    items = [e.id for e in batch.items]
                    break
            except grpc.RpcError:
                if server.poll() is not None:
                    sys.exit(f"kgrec-graph exited; see {log}")
                time.sleep(0.5)
        if not items:
            sys.exit(f"graph did not become ready; see {log}")
        get = "/kgrec.v1.Graph/GetEmbeddings"
        req_small = stubs.graph_pb2.GetEmbeddingsRequest(item_ids=items[:8]).SerializeToString()
        req_256 = stubs.graph_pb2.GetEmbeddingsRequest(item_ids=items[:256]).SerializeToString()
        latencies, errors = [], {}

        def good(stop):
            with grpc.insecure_channel(target) as ch:
                call = ch.unary_unary(get)
                while not stop.is_set():
                    t0 = time.perf_counter()
                    try:
                        call(req_small, timeout=2)
                        latencies.append(time.perf_counter() - t0)
                    except grpc.RpcError as e:
                        errors[e.code().name] = errors.get(e.code().name, 0) + 1

        def repeat(stop):
            codes = {}
            req = stubs.graph_pb2.GetEmbeddingsRequest(item_ids=[items[0]] * 200_000).SerializeToString()
            with grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)]) as ch:
                call = ch.unary_unary(get)
                while not stop.is_set():
                    try:
                        call(req, timeout=5)
                        codes["OK"] = codes.get("OK", 0) + 1
                    except grpc.RpcError as e:
                        codes[e.code().name] = codes.get(e.code().name, 0) + 1
            return f"statuses {codes}"

        def long_msg(stop):
            codes, longest = {}, 0
            req = stubs.graph_pb2.GetEmbeddingsRequest(item_ids=["x" * 200_000]).SerializeToString()
            with grpc.insecure_channel(target) as ch:
                call = ch.unary_unary(get)
                while not stop.is_set():
                    try:
                        call(req, timeout=5)
                    except grpc.RpcError as e:
                        codes[e.code().name] = codes.get(e.code().name, 0) + 1
                        longest = max(longest, len(e.details() or ""))
            return f"statuses {codes}, longest message {longest} chars"

        def never_read(stop):
            conns = 0
            while not stop.is_set():
                s = raw_conn(port, setting(4, 2**31 - 1))
                conns += 1
                s.sendall(frame(8, 0, 0, struct.pack(">I", 2**31 - 1 - 65535)))
                for k in range(20):
                    sid = 2 * k + 1
                    s.sendall(frame(1, 4, sid, grpc_headers("/kgrec.v1.Graph/ExportEmbeddings"))
                              + frame(0, 1, sid, framed(b"")))
                # Never read; reconnect every 10 s (the server closes us after its keepalive
                # timeout only once its 2-minute keepalive interval passed).
                t0 = time.monotonic()
                while not stop.is_set() and time.monotonic() - t0 < 10:
                    time.sleep(0.5)
                s.close()
            return f"{conns} connections"

        def zero_window(stop):
            conns = 0
            while not stop.is_set():
                s = raw_conn(port, setting(4, 0))
                conns += 1
                for k in range(100):
                    sid = 2 * k + 1
                    s.sendall(frame(1, 4, sid, grpc_headers(get)) + frame(0, 1, sid, framed(req_256)))
                t0 = time.monotonic()
                while not stop.is_set() and time.monotonic() - t0 < 10:
                    time.sleep(0.5)
                s.close()
            return f"{conns} connections"

        def timers(stop):
            calls = 0
            while not stop.is_set():
                s = raw_conn(port)
                s.settimeout(0.5)
                sid = 1
                try:
                    while not stop.is_set() and sid < 2**31 - 200:
                        for _ in range(50):
                            # A task handler (inline ones arm no timer): an empty update, refused at once.
                            s.sendall(frame(1, 4, sid, grpc_headers("/kgrec.v1.Graph/AddInteractions",
                                                                      [("grpc-timeout", "99999999H")]))
                                      + frame(0, 1, sid, framed(b"")))
                            sid += 2
                            calls += 1
                        try:
                            while s.recv(1 << 16):
                                pass
                        except socket.timeout:
                            pass
                except OSError:
                    pass
                s.close()
            return f"{calls} calls"

        def reset(stop):
            conns, resets = 0, 0
            while not stop.is_set():
                try:
                    s = raw_conn(port)
                    conns += 1
                    sid = 1
                    while not stop.is_set():
                        s.sendall(frame(1, 4, sid, grpc_headers(get)) + frame(3, 0, sid, struct.pack(">I", 8)))
                        sid += 2
                        resets += 1
                except OSError:
                    pass
            return f"{resets} resets over {conns} connections (each cut off by the server)"

        def partial(stop):
            conns = 0
            while not stop.is_set():
                s = raw_conn(port, setting(4, 2**31 - 1))
                conns += 1
                try:
                    for k in range(100):
                        sid = 2 * k + 1
                        s.sendall(frame(1, 4, sid, grpc_headers(get))
                                  + frame(0, 0, sid, b"\x00" + struct.pack(">I", 16 << 20) + b"\0" * 16000))
                    t0 = time.monotonic()
                    while not stop.is_set() and time.monotonic() - t0 < 10:
                        time.sleep(0.5)
                except OSError:
                    pass
                s.close()
            return f"{conns} connections"

        attacks = [Attack(n, b, stop) for n, b in [
            ("good", good), ("repeat", repeat), ("long-msg", long_msg), ("never-read", never_read),
            ("zero-window", zero_window), ("timers", timers), ("reset", reset), ("partial", partial)]]
        rss = [(0.0, rss_kib(server.pid))]
        t0 = time.monotonic()
        for a in attacks:
            a.start()
        while time.monotonic() - t0 < args.duration:
            time.sleep(5)
            if server.poll() is not None:
                sys.exit(f"kgrec-graph died under attack (status {server.returncode}); see {log}")
            rss.append((time.monotonic() - t0, rss_kib(server.pid)))
        stop.set()
        for a in attacks:
            a.join(timeout=15)
        print("RSS of kgrec-graph over time (MiB):")
        print("  " + "  ".join(f"{t:.0f}s:{k / 1024:.0f}" for t, k in rss))
        if args.trim_probe:
            # Live objects or free memory the allocator keeps? glibc's malloc_trim(0) returns
            # free heap pages to the kernel: what it gives back was not in use.
            time.sleep(5)
            before = rss_kib(server.pid)
            subprocess.run(["gdb", "-p", str(server.pid), "-batch", "-ex", "call (int) malloc_trim(0)"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            after = rss_kib(server.pid)
            print(f"after the attack, idle 5 s: RSS {before / 1024:.0f} MiB; after malloc_trim(0): {after / 1024:.0f} MiB")
        for a in attacks[1:]:
            print(f"{a.name_:>12}: {a.outcome}")
        lat = sorted(latencies)
        n = len(lat) + sum(errors.values())
        if lat:
            print(f"good client: {len(lat)} OK calls, p50 {lat[len(lat) // 2] * 1e3:.2f} ms, "
                  f"p99 {lat[int(len(lat) * 0.99)] * 1e3:.2f} ms, errors {sum(errors.values())}/{n} {errors}")
        else:
            print(f"good client: no successful call; errors {errors}")
    finally:
        stop.set()
        processes.stop(server)


if __name__ == "__main__":
    main()
