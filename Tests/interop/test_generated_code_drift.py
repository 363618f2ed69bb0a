"""The committed protoc-c code must match Protos/: scripts/gen-protos.sh --check catches drift."""
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _copy_tree(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for part in ("Protos", "Shared/KGRecProtoC", "Shared/GRPCInterop/Generated", "scripts"):
        shutil.copytree(ROOT / part, repo / part)
    return repo


def _check(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(repo / "scripts/gen-protos.sh"), "--check"],
                          capture_output=True, text=True, env=os.environ)


def test_check_passes_on_committed_code(tmp_path):
    result = _check(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stderr


def test_check_fails_when_a_proto_changes(tmp_path):
    repo = _copy_tree(tmp_path)
    proto = repo / "Protos/kgrec/v1/common.proto"
    proto.write_text(proto.read_text() + "\nmessage AddedWithoutRegenerating { int32 x = 1; }\n")
    result = _check(repo)
    assert result.returncode == 1
    assert "differs" in result.stderr


def test_check_fails_when_generated_code_is_edited(tmp_path):
    repo = _copy_tree(tmp_path)
    source = repo / "Shared/KGRecProtoC/kgrec_v1_ranker.pb-c.c"
    source.write_text(source.read_text() + "\n/* hand edit */\n")
    assert _check(repo).returncode == 1


def test_check_fails_when_the_descriptor_file_is_edited(tmp_path):
    repo = _copy_tree(tmp_path)
    generated = repo / "Shared/GRPCInterop/Generated/ProtoFileDescriptors.swift"
    generated.write_text(generated.read_text().replace('"kgrec.v1.Ranker"', '"kgrec.v1.Rankr"'))
    result = _check(repo)
    assert result.returncode == 1 and "ProtoFileDescriptors.swift" in result.stderr


def test_regenerating_the_descriptors_is_deterministic(tmp_path):
    repo = _copy_tree(tmp_path)
    gen = subprocess.run([str(repo / "scripts/gen-protos.sh")], capture_output=True, text=True, env=os.environ)
    assert gen.returncode == 0, gen.stderr
    path = "Shared/GRPCInterop/Generated/ProtoFileDescriptors.swift"
    assert (repo / path).read_text() == (ROOT / path).read_text()
