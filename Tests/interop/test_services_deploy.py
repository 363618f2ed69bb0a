"""docker-compose.yml, Deploy/k8s and Deploy/Dockerfile against the real executables.

No container engine runs here, so these tests parse the files and check every command, flag, env
var, port and probe against what the built binaries declare (see deploy_check.py), and prove the
checker can fail by feeding it broken copies.
"""
from pathlib import Path

import pytest

import deploy_check as dc
from conftest import kgrec_bin

ROOT = dc.ROOT


@pytest.fixture(scope="module")
def exe():
    return dc.Executables(Path(kgrec_bin()).parent)


def test_compose_uses_only_real_flags_env_vars_ports_and_probes(exe):
    assert dc.check_compose(exe, (ROOT / "docker-compose.yml").read_text()) == []


def test_k8s_manifests_use_only_real_flags_env_vars_ports_and_probes(exe):
    assert dc.check_k8s(exe, dc.k8s_texts()) == []


def test_dockerfile_builds_and_ships_the_package_binaries_with_a_valid_probe(exe):
    assert dc.check_dockerfile(exe, (ROOT / "Deploy" / "Dockerfile").read_text()) == []


def test_kustomization_lists_every_manifest():
    import yaml
    k = yaml.safe_load((ROOT / "Deploy" / "k8s" / "base" / "kustomization.yaml").read_text())
    assert sorted(k["resources"]) == sorted(dc.k8s_texts())


def test_every_service_declares_its_default_ports(exe):
    want = {"encoder": (50061, 9461), "graph": (50062, 9462), "ranker": (50063, 9463)}
    got = {r: (exe.port(r, "port"), exe.port(r, "admin-port")) for r in want}
    assert got == want


# ---- the checker can fail ------------------------------------------------------------------------

def _compose():
    return (ROOT / "docker-compose.yml").read_text()


@pytest.mark.parametrize("old,new,expect", [
    ("KGREC_RANKER_CACHE_SIZE", "KGREC_RANKER_CACHE_SIZ", "KGREC_RANKER_CACHE_SIZ"),
    ("KGREC_GRAPH_ENCODER: encoder-1:50061,encoder-2:50061", "KGREC_GRAPH_ENCODER: encoder-1:50061,encoder-3:50061", "encoder-3"),
    ('ports: ["50063:50063", "9463:9463"]', 'ports: ["50063:50064", "9463:9463"]', "50064"),
    ('"127.0.0.1:50062", "grpc.health.v1.Health/Check"', '"127.0.0.1:50063", "grpc.health.v1.Health/Check"', "targets port 50063"),
    ('"--require-serving"', '"--require-servin"', "--require-servin"),
    ("grpc.health.v1.Health/Check", "grpc.health.v1.Health/Chek", "Chek"),
])
def test_compose_checker_catches_a_broken_copy(exe, old, new, expect):
    text = _compose()
    assert old in text
    problems = dc.check_compose(exe, text.replace(old, new, 1))
    assert any(expect in p for p in problems), problems


def test_compose_checker_catches_a_misspelled_command_flag(exe):
    text = _compose().replace('command: ["kgrec-ranker"]', 'command: ["kgrec-ranker", "--cache-sise", "1MiB"]', 1)
    assert any("--cache-sise" in p for p in dc.check_compose(exe, text))


@pytest.mark.parametrize("file,old,new,expect", [
    ("graph.yaml", '"--grace-period"', '"--grace-perod"', "--grace-perod"),
    ("ranker.yaml", "grpc: {port: 50063, service: kgrec.v1.Ranker}", "grpc: {port: 50064, service: kgrec.v1.Ranker}", "50064"),
    ("config.yaml", "KGREC_RANKER_GRAPH: kgrec-graph:50062", "KGREC_RANKER_GRAPH: kgrec-graph:50063", "KGREC_RANKER_GRAPH"),
    ("config.yaml", "KGREC_GRAPH_LOG:", "KGREC_GRAPH_LOGS:", "KGREC_GRAPH_LOGS"),
    ("graph.yaml", "mountPath: /var/lib/kgrec/graph}", "mountPath: /var/lib/kgrec/other}", "durable log"),
    ("encoder.yaml", "{apiVersion: apps/v1, kind: Deployment, name: kgrec-encoder}", "{apiVersion: apps/v1, kind: Deployment, name: kgrec-encodr}", "kgrec-encodr"),
    ("graph.yaml", "secretKeyRef: {name: kgrec-auth, key: token}", "secretKeyRef: {name: kgrec-auth, key: tokn}", "tokn"),
])
def test_k8s_checker_catches_a_broken_copy(exe, file, old, new, expect):
    texts = dc.k8s_texts()
    assert old in texts[file]
    texts[file] = texts[file].replace(old, new, 1)
    problems = dc.check_k8s(exe, texts)
    assert any(expect in p for p in problems), problems


@pytest.mark.parametrize("old,new,expect", [
    ("--product kgrec-graph", "--product kgrec-grph", "kgrec-grph"),
    ("EXPOSE 50061 50062 50063 9461 9462 9463", "EXPOSE 50061 50062 50063 9461 9462", "9463"),
    ("USER 10001:10001", "USER root", "non-root"),
    ("COPY Benchmarks/BenchServer Benchmarks/BenchServer\n", "", "Benchmarks/BenchServer"),
    ("--require-serving --timeout 2s", "--require-serving --timout 2s", "--timout"),
])
def test_dockerfile_checker_catches_a_broken_copy(exe, old, new, expect):
    text = (ROOT / "Deploy" / "Dockerfile").read_text()
    assert old in text
    problems = dc.check_dockerfile(exe, text.replace(old, new, 1))
    assert any(expect in p for p in problems), problems
