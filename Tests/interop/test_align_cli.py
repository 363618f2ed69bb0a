"""`kgrec synth --two-kgs` writes an alignment task, `kgrec align` trains on it and writes a
safetensors checkpoint and metrics JSON lines, `kgrec eval` re-ranks the test pairs from that
checkpoint with the same metrics; a malformed alignment.pairs is refused naming file and line."""
import json
import os
import shutil
import subprocess

import pytest

KGREC = os.environ.get("KGREC_BIN", ".build/release/kgrec")
SMALL = ["--dim", "16", "--layers", "16,8", "--fusion-blocks", "1", "--heads", "2", "--seq-len", "4",
         "--batch-size", "64", "--negatives", "32", "--hard-negatives", "2", "--seed", "5"]


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    if not os.path.exists(KGREC):
        pytest.skip(f"{KGREC} not built")
    d = tmp_path_factory.mktemp("align") / "task"
    subprocess.run([KGREC, "synth", "--two-kgs", "--preset", "tiny", "--out", str(d)], check=True, capture_output=True)
    return d


def run(*args):
    return subprocess.run([KGREC, *map(str, args)], capture_output=True, text=True)


def test_align_writes_checkpoint_and_metrics_that_eval_reproduces(task, tmp_path):
    out = tmp_path / "run"
    r = run("align", "--data", task, "--encoder", "both", "--epochs", "5", "--quiet", "--json", "--out", out, *SMALL)
    assert r.returncode == 0, r.stderr
    test = json.loads(r.stdout)
    lines = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert [l["epoch"] for l in lines] == list(range(1, len(lines) + 1))
    assert all(l["valid"] is not None and l["loss"] > 0 for l in lines)
    best = [l for l in lines if l["best"]][-1]
    assert best["epoch"] == test["best_epoch"]
    from safetensors.numpy import load_file
    tensors = load_file(str(out / "checkpoint.safetensors"))
    assert "id.id_embedding" in tensors and "text.projection.weight" in tensors
    e = run("eval", "--checkpoint", out / "checkpoint.safetensors", "--json")
    assert e.returncode == 0, e.stderr
    again = json.loads(e.stdout)
    for k in ("hits@1", "hits@10", "mrr", "a2b_mrr", "b2a_mrr"):
        assert abs(again[k] - best["test"][k]) < 1e-6, (k, again[k], best["test"][k])


def test_malformed_pairs_file_is_an_error_naming_file_and_line(task, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(task, bad)
    pairs = bad / "alignment.pairs"
    lines = pairs.read_text().splitlines()
    lines[2] = "no-such-entity\t" + lines[2].split("\t", 1)[1]
    pairs.write_text("\n".join(lines) + "\n")
    r = run("align", "--data", bad, "--epochs", "1", "--quiet")
    assert r.returncode == 1
    assert f"{pairs}:3: a_id 'no-such-entity' is not an entity of KG A" in r.stderr
