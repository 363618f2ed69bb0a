#!/usr/bin/env python3
"""Connection churn: does the server keep anything per connection once it is gone?

    KGREC_BIN=.build/release/kgrec .venv/bin/python Benchmarks/connection_churn.py [--connections 5000]

Starts `kgrec interop-server` (one event loop) on a free 127.0.0.1 port and, for each pattern,
opens and closes connections one after another, printing the server's RSS (MiB) at start and after
each fifth of them:

  call     one EmptyCall answered, then close
  reset    1 000 HEADERS + RST_STREAM pairs (rapid reset; the server cuts the connection off)
  partial  20 UnaryCalls announcing a 4 MiB message and sending 16 000 bytes of it, then close

A flat series means nothing is kept per connection. Stops the server by PID (also on error).
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import processes  # noqa: E402
from hostile_load import frame, framed, grpc_headers, raw_conn  # noqa: E402

EMPTY = "/grpc.testing.TestService/EmptyCall"
UNARY = "/grpc.testing.TestService/UnaryCall"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def answered_call(s):
    """EmptyCall on stream 1; reads frames until the server's END_STREAM HEADERS on stream 1."""
    s.sendall(frame(1, 4, 1, grpc_headers(EMPTY)) + frame(0, 1, 1, framed(b"")))
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            return
        buf += d
        while len(buf) >= 9:
            n = int.from_bytes(buf[:3], "big")
            if len(buf) < 9 + n:
                break
            ftype, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            buf = buf[9 + n:]
            if sid == 1 and ftype == 1 and flags & 1:
                return


def rapid_reset(s):
    try:
        for sid in range(1, 2000, 2):
            s.sendall(frame(1, 4, sid, grpc_headers(EMPTY)) + frame(3, 0, sid, struct.pack(">I", 8)))
    except OSError:
        pass   # cut off by the server's reset limit


def partial(s):
    for k in range(20):
        sid = 2 * k + 1
        s.sendall(frame(1, 4, sid, grpc_headers(UNARY))
                  + frame(0, 0, sid, b"\x00" + struct.pack(">I", 4 << 20) + b"\0" * 16000))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=5000, help="connections for the call pattern (the others use a tenth)")
    args = ap.parse_args()
    kgrec = os.environ.get("KGREC_BIN", ".build/release/kgrec")
    port = free_port()
    server = subprocess.Popen([kgrec, "interop-server", "--host", "127.0.0.1", "--port", str(port), "--event-loops", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        print("| pattern | connections | server RSS (MiB): start, then after each fifth |")
        print("|---|---:|---|")
        for name, body, n in [("call", answered_call, args.connections), ("reset", rapid_reset, args.connections // 10),
                              ("partial", partial, args.connections // 10)]:
            series = [rss_mib(server.pid)]
            for i in range(n):
                s = raw_conn(port)
                s.settimeout(5)
                body(s)
                s.close()
                if (i + 1) % max(1, n // 5) == 0:
                    time.sleep(1)
                    series.append(rss_mib(server.pid))
            print(f"| {name} | {n} | {', '.join(map(str, series))} |")
    finally:
        processes.stop(server)


if __name__ == "__main__":
    main()
