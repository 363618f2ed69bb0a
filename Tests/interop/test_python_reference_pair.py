"""Control: our Python client cases against our Python grpcio server (grpcio on both ends). If a
case failed here, the Python side of the peer tests would be wrong, not the Swift side."""
import grpc
import pytest

from python_interop_client import CASES, Cases


@pytest.fixture(scope="module")
def python_channel(python_server):
    with grpc.insecure_channel(python_server) as ch:
        grpc.channel_ready_future(ch).result(timeout=10)
        yield ch


@pytest.mark.parametrize("case", CASES)
def test_reference_pair(python_channel, case):
    getattr(Cases(python_channel), case)()


def test_broken_server_is_caught_by_the_python_cases_too(broken_python_server):
    with grpc.insecure_channel(broken_python_server) as ch:
        with pytest.raises(AssertionError):
            Cases(ch).large_unary()
