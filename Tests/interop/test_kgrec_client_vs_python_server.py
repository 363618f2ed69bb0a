"""Our `kgrec interop-client` against a Python grpcio TestService: every interop case, plus a
deliberately broken server that the client must catch."""
import subprocess

import pytest

from python_interop_client import CASES

CLIENT_TIMEOUT = 60


def run_client(kgrec, address, case):
    return subprocess.run([kgrec, "interop-client", "--server", address, "--case", case],
                          capture_output=True, text=True, timeout=CLIENT_TIMEOUT)


@pytest.mark.parametrize("case", CASES)
def test_interop_case(kgrec, python_server, case):
    result = run_client(kgrec, python_server, case)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"{case}: PASS"


def test_all_cases_against_our_own_server(kgrec, swift_server):
    result = run_client(kgrec, swift_server, "all")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == CASES
    assert all(line.endswith(": PASS") for line in lines), result.stdout


@pytest.mark.parametrize("case", ["large_unary", "server_streaming", "custom_metadata",
                                  "status_code_and_message", "special_status_message"])
def test_client_reports_a_wrong_server(kgrec, broken_python_server, case):
    result = run_client(kgrec, broken_python_server, case)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"{case}: FAIL: "), result.stdout


def test_unknown_case_is_a_usage_error(kgrec, python_server):
    result = run_client(kgrec, python_server, "no_such_case")
    assert result.returncode == 2
    assert "no_such_case" in result.stderr


def test_unreachable_server_fails_every_case_quickly(kgrec):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    result = run_client(kgrec, f"127.0.0.1:{port}", "empty_unary")
    assert result.returncode == 1
    assert result.stdout.startswith("empty_unary: FAIL: ")
