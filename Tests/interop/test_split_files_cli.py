"""`kgrec split` writes the split as RecBole benchmark files; `kgrec train --split-files` trains on
them and `kgrec eval` re-reads them from the checkpoint's data options; a bad row is refused with the
file and line."""
import json
import os
import subprocess

import pytest

KGREC = os.environ.get("KGREC_BIN", ".build/release/kgrec")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    if not os.path.exists(KGREC):
        pytest.skip(f"{KGREC} not built")
    d = tmp_path_factory.mktemp("split") / "data"
    subprocess.run([KGREC, "synth", "--preset", "tiny", "--out", str(d)], check=True, capture_output=True)
    return d


def run(*args):
    return subprocess.run([KGREC, *map(str, args)], capture_output=True, text=True)


def test_split_writes_recbole_benchmark_files_that_train_and_eval_read(data, tmp_path):
    out = tmp_path / "split"
    r = run("split", "--data", data, "--split-seed", "7", "--out", out)
    assert r.returncode == 0, r.stderr
    files = [out / f"tiny.{p}.inter" for p in ("train", "valid", "test")]
    rows = [f.read_text().splitlines() for f in files]
    assert all(lines[0] == "user_id:token\titem_id:token" for lines in rows)
    source = (data / "tiny.inter").read_text().splitlines()
    assert sorted(sum((lines[1:] for lines in rows), [])) == sorted(source[1:])
    t = run("train", "--data", data, "--split-files", out, "--epochs", "1", "--dim", "16", "--layers", "16",
            "--heads", "2", "--fusion-blocks", "1", "--out", tmp_path / "run", "--quiet")
    assert t.returncode == 0, t.stderr
    counts = f"{len(rows[0]) - 1}/{len(rows[1]) - 1}/{len(rows[2]) - 1} train/valid/test pairs"
    e = run("eval", "--checkpoint", tmp_path / "run" / "checkpoint.safetensors", "--phase", "valid")
    assert e.returncode == 0, e.stderr
    assert counts in e.stdout


def test_a_bad_split_row_names_the_file_and_line(data, tmp_path):
    out = tmp_path / "split"
    assert run("split", "--data", data, "--out", out).returncode == 0
    test = out / "tiny.test.inter"
    lines = test.read_text().splitlines()
    lines[1] = "nobody\t" + lines[1].split("\t")[1]
    test.write_text("\n".join(lines) + "\n")
    r = run("train", "--data", data, "--split-files", out, "--epochs", "1")
    assert r.returncode == 1
    assert f"{test}:2: user 'nobody' has no interaction in tiny.inter" in r.stderr


def test_a_negative_split_seed_is_a_usage_error(data, tmp_path):
    r = run("split", "--data", data, "--split-seed", "-3", "--out", tmp_path)
    assert r.returncode == 2 and "invalid value '-3' for flag --split-seed: expected a non-negative integer" in r.stderr
