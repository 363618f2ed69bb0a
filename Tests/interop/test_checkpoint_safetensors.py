"""kgrec checkpoints are plain safetensors: Python's safetensors and NumPy read them, the
__metadata__ carries the configs and a CRC-32 of the data section, and kgrec refuses a corrupt copy."""
import json
import os
import struct
import subprocess
import zlib

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

KGREC = os.environ.get("KGREC_BIN", ".build/release/kgrec")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    if not os.path.exists(KGREC):
        pytest.skip(f"{KGREC} not built")
    d = tmp_path_factory.mktemp("ckpt")
    subprocess.run([KGREC, "synth", "--preset", "tiny", "--out", str(d / "data")], check=True, capture_output=True)
    subprocess.run([KGREC, "train", "--data", str(d / "data"), "--model", "bpr", "--epochs", "2", "--quiet",
                    "--out", str(d / "run")], check=True, capture_output=True)
    return d / "run" / "checkpoint.safetensors"


def test_python_safetensors_reads_tensors_and_metadata(checkpoint):
    tensors = load_file(str(checkpoint))
    with safe_open(str(checkpoint), framework="numpy") as f:
        meta = f.metadata()
    counts = json.loads(meta["kgrec.counts"])
    assert meta["kgrec.model"] == "bpr"
    assert json.loads(meta["kgrec.model_config"])["embeddingSize"] == 64
    assert tensors["user_embedding"].shape == (counts["users"], 64)
    assert tensors["item_embedding"].shape == (counts["items"], 64)
    assert tensors["user_embedding"].dtype == np.float32
    assert np.isfinite(tensors["item_embedding"]).all()


def test_metadata_checksum_is_zlib_crc32_of_the_data_section(checkpoint):
    raw = checkpoint.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert n % 8 == 0
    assert header["__metadata__"]["kgrec.crc32"] == f"{zlib.crc32(raw[8 + n:]):08x}"


def test_kgrec_eval_reads_it_and_refuses_a_corrupt_copy(checkpoint, tmp_path):
    ok = subprocess.run([KGREC, "eval", "--checkpoint", str(checkpoint), "--json"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert 0 <= json.loads(ok.stdout)["ndcg@20"] <= 1
    raw = bytearray(checkpoint.read_bytes())
    raw[-5] ^= 0x10
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(bytes(raw))
    r = subprocess.run([KGREC, "eval", "--checkpoint", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "checksum mismatch" in r.stderr and str(bad) in r.stderr
