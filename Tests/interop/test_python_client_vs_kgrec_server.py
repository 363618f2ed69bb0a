"""Python grpcio as the client, our `kgrec interop-server` as the server: every interop case."""
import pytest

from python_interop_client import CASES, Cases


@pytest.mark.parametrize("case", CASES)
def test_interop_case(channel, case):
    getattr(Cases(channel), case)()
