"""`kgrec train --propagation` and `--memory-budget` from the command line: history-mode training
writes a checkpoint that `kgrec eval` reads (exact propagation), bad values and an over-budget
dataset are refused with a message naming the flag and the estimate."""
import json
import os
import subprocess

import pytest

KGREC = os.environ.get("KGREC_BIN", ".build/release/kgrec")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    if not os.path.exists(KGREC):
        pytest.skip(f"{KGREC} not built")
    d = tmp_path_factory.mktemp("prop") / "data"
    subprocess.run([KGREC, "synth", "--preset", "tiny", "--out", str(d)], check=True, capture_output=True)
    return d


def test_history_training_writes_a_checkpoint_that_eval_reads(data, tmp_path):
    r = subprocess.run([KGREC, "train", "--data", str(data), "--propagation", "history", "--epochs", "2",
                        "--out", str(tmp_path / "run")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "peak rss" in r.stderr
    ckpt = tmp_path / "run" / "checkpoint.safetensors"
    ok = subprocess.run([KGREC, "eval", "--checkpoint", str(ckpt), "--json"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert 0 <= json.loads(ok.stdout)["ndcg@20"] <= 1


def test_an_unknown_propagation_mode_is_a_usage_error(data):
    r = subprocess.run([KGREC, "train", "--data", str(data), "--propagation", "sampled"], capture_output=True, text=True)
    assert r.returncode != 0
    assert "invalid value 'sampled' for flag --propagation: expected one of full, history" in r.stderr


def test_a_dataset_over_the_memory_budget_is_refused_with_the_estimate(data):
    r = subprocess.run([KGREC, "train", "--data", str(data), "--memory-budget", "0.001"], capture_output=True, text=True)
    assert r.returncode != 0
    assert "needs an estimated" in r.stderr and "over the memory budget of 0.0 GiB (--memory-budget)" in r.stderr
    assert "--propagation history needs an estimated" in r.stderr
    bad = subprocess.run([KGREC, "train", "--data", str(data), "--memory-budget", "0"], capture_output=True, text=True)
    assert bad.returncode != 0 and "memory budget must be positive" in bad.stderr
