"""Out of file descriptors (EMFILE), `kgrec interop-server` pauses accepting instead of spinning on
its always-readable listener, and serves again once connections close. The server runs as a
subprocess with a low RLIMIT_NOFILE, so hitting the limit cannot take the test process down."""
import os
import resource
import signal
import socket
import subprocess
import time

import grpc

from conftest import read_listen_line, stop

NOFILE = 64          # the server's descriptor limit
CONNECTIONS = 150    # more than it can hold
HOLD_SECONDS = 3.0   # how long the limit stays hit
# CPU the server may use meanwhile, in clock ticks (utime + stime from /proc/PID/stat). Paused
# accepting (one retry per 100 ms) measured 0 ticks; a spinning loop costs its whole share of a
# core (300 ticks at 100 Hz on an idle core, ~50 even at load 11 on 2 cores).
MAX_CPU_TICKS = 15


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def limit_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def test_out_of_descriptors_the_server_pauses_accepting_and_serves_again(kgrec, pb, tmp_path):
    # stderr to a file: a pipe nobody reads could fill and block the server.
    err = open(tmp_path / "server.err", "wb")
    proc = subprocess.Popen([kgrec, "interop-server", "--host", "127.0.0.1", "--port", "0", "--event-loops", "1", "--grace", "1"],
                            stdout=subprocess.PIPE, stderr=err, preexec_fn=limit_fds)
    socks = []
    try:
        address = read_listen_line(proc)
        host, port = address.rsplit(":", 1)
        for _ in range(CONNECTIONS):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((host, int(port)))  # completes from the listen backlog; the server may not accept it
            socks.append(s)
        deadline = time.monotonic() + 10
        while open_fds(proc.pid) < NOFILE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open_fds(proc.pid) == NOFILE, "the server never reached its descriptor limit"
        before = cpu_ticks(proc.pid)
        time.sleep(HOLD_SECONDS)
        used = cpu_ticks(proc.pid) - before
        assert proc.poll() is None, f"server died at EMFILE: {(tmp_path / 'server.err').read_text(errors='replace')}"
        assert used <= MAX_CPU_TICKS, f"{used} CPU ticks in {HOLD_SECONDS}s at EMFILE: the accept loop spins"
        for s in socks:
            s.close()
        socks = []
        with grpc.insecure_channel(address) as ch:
            stub = pb.test_pb2_grpc.TestServiceStub(ch)
            reply = stub.UnaryCall(pb.messages_pb2.SimpleRequest(response_size=10), timeout=20)
            assert len(reply.payload.body) == 10
        assert proc.poll() is None
    finally:
        for s in socks:
            s.close()
        stop(proc, grace=15)
        err.close()
    log = (tmp_path / "server.err").read_text(errors="replace")
    # Issue 10's intermittent hang (SIGTERM not acted on after an EMFILE episode) came from the
    # Dispatch signal sources, which arm asynchronously and could fail to arm while descriptors
    # were exhausted; the signal path now arms before "listening on" and needs no descriptor
    # when a signal arrives (see the test below), so a clean exit is asserted.
    assert proc.returncode in (0, -15), f"exit {proc.returncode} after SIGTERM; stderr: {log[-2000:]}"


def test_sigterm_while_out_of_descriptors_still_drains_and_exits(kgrec, tmp_path):
    err = open(tmp_path / "server.err", "wb")
    proc = subprocess.Popen([kgrec, "interop-server", "--host", "127.0.0.1", "--port", "0", "--event-loops", "1", "--grace", "1"],
                            stdout=subprocess.PIPE, stderr=err, preexec_fn=limit_fds)
    socks = []
    try:
        host, port = read_listen_line(proc).rsplit(":", 1)
        for _ in range(CONNECTIONS):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((host, int(port)))
            socks.append(s)
        deadline = time.monotonic() + 10
        while open_fds(proc.pid) < NOFILE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open_fds(proc.pid) == NOFILE, "the server never reached its descriptor limit"
        proc.send_signal(signal.SIGTERM)   # still at the limit: the signal path must not need a descriptor
        try:
            proc.wait(timeout=15)          # --grace 1: the drain ends after at most ~1 s of grace
        except subprocess.TimeoutExpired:
            pass
        assert proc.poll() is not None, "SIGTERM at EMFILE did not stop the server"
        assert proc.returncode in (0, -15)
    finally:
        for s in socks:
            s.close()
        stop(proc, grace=5)
        err.close()
