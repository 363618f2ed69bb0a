"""Python stubs for Protos/, generated at test time with grpc_tools.protoc into a temporary dir.

Our protos live under `grpc/...`, which would collide with the grpcio package itself, so the
generated modules are flattened (`messages_pb2`, `test_pb2_grpc`, `health_pb2`, ...) and their
imports rewritten to match.
"""
import importlib
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "Protos"
_IMPORT = re.compile(r"^from (grpc\.testing|grpc\.health\.v1|kgrec\.v1) import (\w+)", re.M)


def generate(out_dir: Path) -> Path:
    from grpc_tools import protoc
    import grpc_tools

    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    raw = out_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rc = protoc.main(["protoc", f"-I{PROTOS}", f"-I{include}", f"--python_out={raw}",
                      f"--grpc_python_out={raw}", *sources])
    if rc != 0:
        raise RuntimeError(f"grpc_tools.protoc failed ({rc}) on {sources}")
    flat = out_dir / "flat"
    flat.mkdir(exist_ok=True)
    for f in raw.rglob("*.py"):
        (flat / f.name).write_text(_IMPORT.sub(r"import \2", f.read_text()))
    return flat


_loaded = None


def load():
    """Generates once per process and returns a namespace of the stub modules."""
    global _loaded
    if _loaded is None:
        flat = generate(Path(tempfile.mkdtemp(prefix="kgrec-pystubs-")))
        sys.path.insert(0, str(flat))

        class Stubs:
            pass

        s = Stubs()
        for name in ("empty_pb2", "messages_pb2", "test_pb2", "test_pb2_grpc", "health_pb2",
                     "health_pb2_grpc", "common_pb2", "encoder_pb2", "graph_pb2", "ranker_pb2",
                     "ranker_pb2_grpc", "graph_pb2_grpc", "encoder_pb2_grpc"):
            setattr(s, name, importlib.import_module(name))
        _loaded = s
    return _loaded
