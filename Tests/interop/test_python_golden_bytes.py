"""The golden bytes in Tests/KGRecWireTests/PythonProtobufCompatibilityTests.swift must be what
Python's protobuf (the reference implementation) makes for the same values, so the Swift test
that decodes and re-encodes them proves byte-for-byte compatibility with it."""
import re
from pathlib import Path

import pytest

SWIFT_TEST = Path(__file__).resolve().parents[1] / "KGRecWireTests/PythonProtobufCompatibilityTests.swift"


def golden():
    text = SWIFT_TEST.read_text()
    return dict(re.findall(r'// python-golden: (\w+)\n\s+static let \w+ = "([0-9a-f]+)"', text))


def values(pb):
    c, r, g, e = pb.common_pb2, pb.ranker_pb2, pb.graph_pb2, pb.encoder_pb2
    return {
        "embeddingBatch": g.EmbeddingBatch(
            version=7,
            users=[c.Embedding(id="u1", vectors=c.ModalityVectors(visual=c.Vector(values=[1.5, -2.0]))),
                   c.Embedding(id="u2")],
            items=[c.Embedding(id="i\u00e9", vectors=c.ModalityVectors(text=c.Vector(values=[0.25])))],
            seen=[g.SeenItems(item_ids=["i1", "i2"])]),
        "scoreResponse": r.ScoreResponse(
            items=[r.ScoredItem(item_id="i1", score=1.5, visual_score=1.0, text_score=0.5)],
            graph_version=3, request_id=2**64 - 1, unknown_item_ids=["x"],
            error=c.RequestError(code=5, message="unknown user")),
        "encodeRequest": e.EncodeRequest(
            items=[e.EncodeItem(entity=-3, raw=c.ModalityVectors(visual=c.Vector(values=[0.5])),
                                neighbours=[1, 2**40, -1])], request_id=9),
        "neighborsRequest": g.NeighborsRequest(entity_id="m.1", kind=c.ENTITY_KIND_ATTRIBUTE, limit=4),
    }


def test_every_golden_is_checked():
    assert set(golden()) == {"embeddingBatch", "scoreResponse", "encodeRequest", "neighborsRequest"}


@pytest.mark.parametrize("name", ["embeddingBatch", "scoreResponse", "encodeRequest", "neighborsRequest"])
def test_golden_bytes_are_pythons(pb, name):
    assert values(pb)[name].SerializeToString().hex() == golden()[name]
