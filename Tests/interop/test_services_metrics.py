"""Every service's /metrics passes Prometheus's own linter (`promtool check metrics`, Debian package
`prometheus`, installed by scripts/setup.sh) and carries the grpc-ecosystem server metrics."""
import re
import shutil
import subprocess
import urllib.request

import pytest


def promtool_path():
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool missing: run scripts/setup.sh (Debian package prometheus)")
    return path


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


def promtool(text):
    return subprocess.run([promtool_path(), "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)


def test_promtool_accepts_every_services_metrics(topology):
    roles = set()
    for service in topology["services"]:
        text = scrape(service["admin_port"])
        r = promtool(text)
        assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", \
            f"{service['name']}: {r.stdout}{r.stderr}"
        # The health checks kgrec up made are counted under the grpc-ecosystem names.
        assert re.search(r'^grpc_server_handled_total\{grpc_code="OK",grpc_method="Check",'
                         r'grpc_service="grpc.health.v1.Health",grpc_type="unary"\} [1-9]', text, re.M), service["name"]
        assert re.search(r'^grpc_server_started_total\{grpc_method="Check",grpc_service="grpc.health.v1.Health",'
                         r'grpc_type="unary"\} [1-9]', text, re.M)
        assert "# TYPE grpc_server_handling_seconds histogram" in text
        roles.add(service["role"])
    assert roles == {"encoder", "graph", "ranker"}


def test_promtool_rejects_a_badly_named_metric():
    # The check can fail: a counter without _total is a lint error.
    bad = "# HELP kgrec_requests Requests.\n# TYPE kgrec_requests counter\nkgrec_requests 1\n"
    r = promtool(bad)
    assert r.returncode != 0 and "_total" in (r.stdout + r.stderr)
