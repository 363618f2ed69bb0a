"""`kgrec up`'s restart loop over the real services on a tiny synthetic checkpoint: a graph killed
by SIGKILL is restarted and answers SERVING again, with the update acknowledged before the kill,
while the others keep their PIDs; the next crash
beyond `--restart-limit` is a crash loop and `kgrec up` exits 1; with `--restart never` the
crash is reported and everything stops. Every wait polls against a deadline (nothing asserts on
how fast a restart is)."""
import os
import signal
import subprocess
import time

import grpc
import pytest

from test_services_up_cli import alive
from up_topology import endpoints, serving

WAIT = 180.0  # generous: the machine may be shared; a poll, not an assertion on speed


@pytest.fixture(scope="module")
def checkpoint(kgrec, tmp_path_factory):
    d = tmp_path_factory.mktemp("up-restart")
    subprocess.run([kgrec, "synth", "--preset", "tiny", "--out", str(d / "data")], check=True, capture_output=True)
    subprocess.run([kgrec, "train", "--data", str(d / "data"), "--out", str(d / "run"), "--epochs", "1",
                    "--max-batches", "2", "--kg-batches", "1", "--quiet"], check=True, capture_output=True)
    return d / "run" / "checkpoint.safetensors"


def poll(what, predicate, up, log):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        if up.poll() is not None:
            pytest.fail(f"kgrec up exited ({up.returncode}) while waiting for {what}; its output:\n{log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"no {what} within {WAIT}s; kgrec up output:\n{log.read_text()}")


class Up:
    """`kgrec up` with free ports and its own state dir, output in a file, stopped by PID."""

    def __init__(self, kgrec, checkpoint, tmp_path, *flags):
        self.ep_file = tmp_path / "endpoints.json"
        self.log = tmp_path / "up.log"
        self.out = open(self.log, "w")
        self.proc = subprocess.Popen([kgrec, "up", "--checkpoint", str(checkpoint), "--free-ports", "--state-dir",
                                      str(tmp_path / "state"), "--grace", "2s", "--endpoints-file", str(self.ep_file),
                                      *flags], stdout=self.out, stderr=subprocess.STDOUT)

    def wait_ready(self):
        poll("endpoints file", self.ep_file.exists, self.proc, self.log)
        return endpoints(self.ep_file)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()

    def exit_code(self):
        try:
            return self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"kgrec up did not exit within {WAIT}s; its output:\n{self.log.read_text()}")


def test_a_killed_graph_is_restarted_and_the_crash_after_the_limit_exits_nonzero(kgrec, checkpoint, tmp_path, pb):
    up = Up(kgrec, checkpoint, tmp_path, "--restart", "on-failure", "--restart-limit", "1")
    try:
        eps = up.wait_ready()
        graph, others = eps["graph"], {n: e["pid"] for n, e in eps.items() if n != "graph"}
        assert serving(pb, graph["grpc"], "kgrec.v1.Graph")
        with grpc.insecure_channel(graph["grpc"]) as ch:
            stub = pb.graph_pb2_grpc.GraphStub(ch)
            item = next(iter(stub.ExportEmbeddings(pb.graph_pb2.ExportEmbeddingsRequest(batch_size=4, include_items=True),
                                                   timeout=30))).items[0].id
            ack = stub.AddInteractions(pb.graph_pb2.AddInteractionsRequest(interactions=[
                pb.graph_pb2.Interaction(user_id="before-the-kill", item_id=item, timestamp=1)]), timeout=30)
        os.kill(graph["pid"], signal.SIGKILL)
        poll("restarted graph answering SERVING",
             lambda: endpoints(up.ep_file)["graph"]["pid"] not in (0, graph["pid"])
             and serving(pb, graph["grpc"], "kgrec.v1.Graph"), up.proc, up.log)
        after = endpoints(up.ep_file)
        assert {n: e["pid"] for n, e in after.items() if n != "graph"} == others
        assert all(alive(pid) for pid in others.values())
        assert serving(pb, after["ranker"]["grpc"], "kgrec.v1.Ranker")
        with grpc.insecure_channel(graph["grpc"]) as ch:  # the restarted graph replayed the same log
            r = pb.graph_pb2_grpc.GraphStub(ch).GetEmbeddings(
                pb.graph_pb2.GetEmbeddingsRequest(user_ids=["before-the-kill"]), timeout=30)
        assert r.version == ack.version and list(r.unknown_user_ids) == [] and len(r.users) == 1
        text = up.log.read_text()
        assert "graph exited unexpectedly" in text and "restarting graph in" in text
        assert "graph restarted, SERVING again" in text and f"(pid {after['graph']['pid']})" in text

        # A second crash within the 60 s window exceeds --restart-limit 1: a crash loop.
        os.kill(after["graph"]["pid"], signal.SIGKILL)
        assert up.exit_code() == 1
        text = up.log.read_text()
        assert "not restarting graph: crash loop: 2 failures" in text and "(limit 1)" in text
        assert not any(alive(pid) for pid in others.values())
    finally:
        up.stop()


def test_with_restart_never_a_killed_graph_stays_down_and_up_reports_it(kgrec, checkpoint, tmp_path, pb):
    up = Up(kgrec, checkpoint, tmp_path, "--restart", "never")
    try:
        eps = up.wait_ready()
        os.kill(eps["graph"]["pid"], signal.SIGKILL)
        assert up.exit_code() == 1
        text = up.log.read_text()
        assert "graph exited unexpectedly" in text and "not restarting graph: --restart never" in text
        assert "restarting graph in" not in text
        assert not any(alive(e["pid"]) for e in eps.values())
        assert not serving(pb, eps["graph"]["grpc"], "kgrec.v1.Graph")
    finally:
        up.stop()
