"""Fixtures for the peer tests: Python stubs, our `kgrec` interop server, a grpcio server.

Every process is started on 127.0.0.1 with an OS-chosen port (read back from its first line of
output), stopped by PID at teardown, and every wait has a timeout so nothing hangs.
"""
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import protos  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0


def kgrec_bin() -> str:
    path = Path(os.environ.get("KGREC_BIN", ROOT / ".build/release/kgrec"))
    if not path.is_file():
        pytest.fail(f"kgrec binary not found at {path}: build it (make build) or set KGREC_BIN")
    return str(path)


def read_listen_line(proc: subprocess.Popen, timeout: float = START_TIMEOUT) -> str:
    """Waits for 'listening on HOST:PORT' on the process's stdout; returns HOST:PORT."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read().decode(errors='replace')}")
            if not sel.select(timeout=0.1):
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            buf += chunk
            for line in buf.decode(errors="replace").splitlines():
                if "listening on " in line:
                    return line.split("listening on ", 1)[1].strip()
        raise TimeoutError(f"no 'listening on' line within {timeout}s; output so far: {buf!r}")
    finally:
        sel.close()


def stop(proc: subprocess.Popen, grace: float = 5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def pb():
    return protos.load()


@pytest.fixture(scope="session")
def kgrec():
    return kgrec_bin()


@pytest.fixture(scope="module")
def swift_server(kgrec):
    """Our `kgrec interop-server` (TestService + health); yields 'host:port'."""
    proc = subprocess.Popen([kgrec, "interop-server", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        address = read_listen_line(proc)
        yield address
    finally:
        stop(proc)
    assert proc.returncode in (0, -signal.SIGTERM), f"interop-server exited with {proc.returncode}"


@pytest.fixture(scope="module")
def python_server(pb):
    """A grpcio TestService + health server in this process; yields 'host:port'."""
    import python_test_server
    server, port = python_test_server.start()
    yield f"127.0.0.1:{port}"
    server.stop(grace=None).wait(timeout=5)


@pytest.fixture(scope="module")
def broken_python_server(pb):
    import python_test_server
    server, port = python_test_server.start(broken=True)
    yield f"127.0.0.1:{port}"
    server.stop(grace=None).wait(timeout=5)


@pytest.fixture
def channel(swift_server):
    import grpc
    with grpc.insecure_channel(swift_server) as ch:
        grpc.channel_ready_future(ch).result(timeout=10)
        yield ch


@pytest.fixture(scope="session")
def topology(kgrec, tmp_path_factory):
    """The real services via `kgrec up` (encoder → graph → ranker) on free ports, from a tiny
    checkpoint trained here, logging at debug level (one `rpc` line per call).
    Yields {"services": [{name, role, grpc, admin_port, pid, log}], "users": [...]}."""
    import json
    d = tmp_path_factory.mktemp("topology")
    for args in (["synth", "--preset", "tiny", "--out", str(d / "data")],
                 ["train", "--data", str(d / "data"), "--out", str(d / "run"), "--epochs", "1", "--dim", "16",
                  "--layers", "16,8", "--heads", "2", "--fusion-blocks", "1", "--batch-size", "256",
                  "--kg-batch-size", "256", "--eval-every", "1", "--quiet"]):
        r = subprocess.run([kgrec, *args], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"kgrec {args[0]}: {r.stderr}"
    endpoints = d / "endpoints.json"
    proc = subprocess.Popen([kgrec, "up", "--checkpoint", str(d / "run" / "checkpoint.safetensors"), "--free-ports",
                             "--state-dir", str(d / "state"), "--grace", "2s", "--start-timeout", "120s", "--log-level", "debug",
                             "--endpoints-file", str(endpoints)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 150
        while not endpoints.exists():
            if proc.poll() is not None:
                pytest.fail(f"kgrec up exited with {proc.returncode}: {proc.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail("kgrec up: services not SERVING within 150 s")
            time.sleep(0.1)
        time.sleep(0.1)  # written atomically; the rename is the signal
        info = json.loads(endpoints.read_text())
        info["users"] = tiny_users(d / "data")
        yield info
    finally:
        stop(proc, grace=20)


def tiny_users(data_dir):
    """User tokens of a `kgrec synth` dataset (the first column of its RecBole `.inter` file)."""
    inter = next(Path(data_dir).glob("*.inter"))
    return sorted({line.split("\t")[0] for line in inter.read_text().splitlines()[1:] if line.strip()})
