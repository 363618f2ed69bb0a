"""Stopping a process a benchmark started, by its PID: SIGTERM, then SIGKILL if it does not exit."""
import signal
import subprocess


def stop(proc, timeout=15):
    """SIGTERM `proc` (a `subprocess.Popen`, or None) and wait `timeout` s; then SIGKILL and reap it."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
