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


def test_ranking_is_among_the_alignable_entities_unless_all_is_asked(task):
    n_items = {s: len((task / f"{s}.item").read_text().splitlines()) - 1 for s in "ab"}
    counts = {}
    for cands in ("alignable", "all"):
        r = run("align", "--data", task, "--baseline", "--json", "--candidates", cands)
        assert r.returncode == 0, r.stderr
        d = json.loads(r.stdout)
        counts[cands] = (d["a2b_candidates"], d["b2a_candidates"])
    assert counts["alignable"] == (n_items["b"], n_items["a"])  # the synthetic pairs align items only
    assert counts["all"][0] > n_items["b"] and counts["all"][1] > n_items["a"]


def test_self_align_writes_a_kg_against_its_renamed_copy(task, tmp_path):
    out = tmp_path / "self"
    r = run("align-data", "--self-align", "a", "--from-task", task, "--out", out)
    assert r.returncode == 0, r.stderr
    items = (task / "a.item").read_text().splitlines()[1:]
    pairs = [l.split("\t") for l in (out / "alignment.pairs").read_text().splitlines()[1:]]
    assert sorted(p[0] for p in pairs) == sorted(items)
    assert all(b == "copy:" + a for a, b, _ in pairs)
    b_items = (out / "b.item").read_text().splitlines()[1:]
    assert sorted(b_items) == sorted("copy:" + a for a in items) and b_items != ["copy:" + a for a in items]  # shuffled
    assert {p[2] for p in pairs} == {"train", "valid", "test"}
    a_kg = (task / "a.kg").read_text().splitlines()[1:]
    b_kg = (out / "b.kg").read_text().splitlines()[1:]
    assert sorted(b_kg) == sorted("\t".join("copy:" + f if i != 1 else f for i, f in enumerate(l.split("\t"))) for l in a_kg)


def test_train_init_from_an_alignment_checkpoint_starts_from_its_encoder(task, tmp_path):
    """Two-phase training: a recommender dataset whose KG is the task's KG A (RecBole files: A's
    triples, each A item linked to an item of its own, random interactions) trains from the
    alignment checkpoint's propagation weights and A's entity rows, which the log reports."""
    import random
    import numpy as np
    from safetensors.numpy import load_file
    rng = random.Random(1)
    items = (task / "a.item").read_text().splitlines()[1:]
    data = tmp_path / "syn"
    data.mkdir()
    shutil.copy(task / "a.kg", data / "syn.kg")
    (data / "syn.link").write_text("item_id:token\tentity_id:token\n" + "".join(f"i{e}\t{e}\n" for e in items))
    (data / "syn.inter").write_text("user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + "".join(
        f"u{u}\ti{e}\t4\t{u}\n" for u in range(60) for e in rng.sample(items, 12)))
    align = tmp_path / "align"
    r = run("align", "--data", task, "--encoder", "both", "--epochs", "2", "--quiet", "--out", align, *SMALL)
    assert r.returncode == 0, r.stderr
    arch = SMALL[:10]  # --dim … --seq-len: the alignment's architecture
    weights = {}
    for name, init in (("scratch", []), ("two-phase", ["--init-from", align / "checkpoint.safetensors"])):
        out = tmp_path / name
        # A learning rate of 1e-9: one epoch moves no weight by more than ~1e-8, so the checkpoint is the initialisation.
        r = run("train", "--data", data, "--ablation", "wo-tv", *arch, "--lr", "1e-9", "--epochs", "1", "--out", out, *init)
        assert r.returncode == 0, r.stderr
        weights[name] = load_file(str(out / "checkpoint.safetensors"))
    log = r.stdout + r.stderr
    assert "initialised from alignment checkpoint" in log and "entities matched" in log, log
    entities = len({l.split("\t")[0] for l in items} | {f for l in (task / "a.kg").read_text().splitlines()[1:] for f in l.split("\t")[::2]})
    assert f"KG a, {entities} of {entities} entities matched" in log, log
    aligned = load_file(str(align / "checkpoint.safetensors"))
    for name in ("id.layer0.w1.weight", "id.layer1.w2.weight"):
        assert np.abs(weights["two-phase"][name] - aligned[name]).max() < 1e-6, name
        assert np.abs(weights["scratch"][name] - aligned[name]).max() > 1e-3, name  # the check can fail
