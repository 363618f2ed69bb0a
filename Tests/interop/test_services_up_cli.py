"""`kgrec up` as a process: signals during start-up stop the children it started (by PID) and the
error names the service; a service that dies names its log. Uses shell stand-ins for the three
executables (`--bin-dir`), so no model is needed; the real services are covered by
Tests/KGRecServicesTests/EndToEndServicesTests.swift."""
import os
import signal
import subprocess
import time


def fake_bin(tmp_path, graph_script="exec sleep 30\n"):
    d = tmp_path / "bin"
    d.mkdir()
    for exe in ("kgrec-encoder", "kgrec-graph", "kgrec-ranker"):
        p = d / exe
        p.write_text("#!/bin/sh\necho $$ > \"$0.pid\"\n" + (graph_script if exe == "kgrec-graph" else "exec sleep 30\n"))
        p.chmod(0o755)
    ckpt = tmp_path / "checkpoint.safetensors"
    ckpt.write_bytes(b"x")
    return d, ckpt


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): look at its state.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_sigint_during_start_stops_the_started_child_and_names_the_service(kgrec, tmp_path):
    bin_dir, ckpt = fake_bin(tmp_path)
    proc = subprocess.Popen([kgrec, "up", "--checkpoint", str(ckpt), "--bin-dir", str(bin_dir), "--free-ports",
                             "--state-dir", str(tmp_path / "state"), "--grace", "1s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pid_file = bin_dir / "kgrec-encoder.pid"
        deadline = time.monotonic() + 20
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_file.exists(), "encoder stand-in never started"
        time.sleep(0.2)
        encoder_pid = int(pid_file.read_text())
        assert alive(encoder_pid)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1
    assert "interrupted while waiting for encoder-0" in err
    assert not alive(encoder_pid)
    assert not (bin_dir / "kgrec-graph.pid").exists()


def test_missing_executables_and_checkpoint_are_usage_errors(kgrec, tmp_path):
    r = subprocess.run([kgrec, "up", "--checkpoint", str(tmp_path / "none")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "does not exist" in r.stderr
    ckpt = tmp_path / "c.safetensors"
    ckpt.write_bytes(b"x")
    r = subprocess.run([kgrec, "up", "--checkpoint", str(ckpt), "--bin-dir", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "kgrec-encoder not found" in r.stderr
