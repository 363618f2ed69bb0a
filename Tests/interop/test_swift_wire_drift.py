"""The committed Swift message types must match Protos/: scripts/gen-swift-wire.py --check catches drift."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _copy_tree(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for part in ("Protos", "Shared/KGRecWire/Generated"):
        shutil.copytree(ROOT / part, repo / part)
    (repo / "scripts").mkdir()
    shutil.copy(ROOT / "scripts/gen-swift-wire.py", repo / "scripts")
    return repo


def _check(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(repo / "scripts/gen-swift-wire.py"), "--check"],
                          capture_output=True, text=True, timeout=60)


def test_check_passes_on_committed_swift():
    result = _check(ROOT)
    assert result.returncode == 0, result.stderr


def test_check_fails_when_a_proto_changes(tmp_path):
    repo = _copy_tree(tmp_path)
    proto = repo / "Protos/kgrec/v1/common.proto"
    proto.write_text(proto.read_text() + "\nmessage AddedWithoutRegenerating { int32 x = 1; }\n")
    result = _check(repo)
    assert result.returncode == 1
    assert "kgrec_v1_common.wire.swift" in result.stderr


def test_check_fails_when_generated_swift_is_edited(tmp_path):
    repo = _copy_tree(tmp_path)
    f = repo / "Shared/KGRecWire/Generated/kgrec_v1_ranker.wire.swift"
    f.write_text(f.read_text() + "\n// hand edit\n")
    assert _check(repo).returncode == 1


def test_unsupported_syntax_is_an_error_naming_file_and_line(tmp_path):
    repo = _copy_tree(tmp_path)
    proto = repo / "Protos/kgrec/v1/common.proto"
    proto.write_text(proto.read_text() + "\nmessage M {\n  map<string, int32> m = 1;\n}\n")
    result = _check(repo)
    assert result.returncode == 2
    assert "kgrec/v1/common.proto:" in result.stderr and "'map'" in result.stderr
