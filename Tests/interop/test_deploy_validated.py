"""The deploy files checked by the tools platform teams run on them: kubernetes-validate (bundled
schemas, strict) on Deploy/k8s/base and the rendered dev and prod overlays, `docker-compose config`
on docker-compose.yml, hadolint on Deploy/Dockerfile. The tools live in venvs scripts/setup.sh makes
(.venv-deploy, and .venv-compose because docker-compose 1.29 pins old libraries). Each check is also
fed a broken copy, to show it can fail."""
import base64
import subprocess
from pathlib import Path

import pytest
import yaml

import deploy_check as dc
import kustomize_render
from conftest import kgrec_bin

ROOT = dc.ROOT
DEPLOY_VENV = ROOT / ".venv-deploy" / "bin"
COMPOSE = ROOT / ".venv-compose" / "bin" / "docker-compose"
K8S = ROOT / "Deploy" / "k8s"
K8S_VERSION = "1.30.0"


def tool(path):
    if not Path(path).exists():
        pytest.fail(f"{path} missing: run scripts/setup.sh")
    return str(path)


def kubernetes_validate(files):
    return subprocess.run([tool(DEPLOY_VENV / "kubernetes-validate"), "--strict", "--quiet", "-k", K8S_VERSION, *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def write_docs(tmp_path, name, docs):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def test_base_manifests_pass_kubernetes_validate():
    files = [p for p in sorted((K8S / "base").glob("*.yaml")) if p.name != "kustomization.yaml"]
    r = kubernetes_validate(files)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_rendered_overlays_pass_kubernetes_validate_and_the_flag_checks(overlay, tmp_path):
    docs = kustomize_render.render(K8S / "overlays" / overlay)
    r = kubernetes_validate([write_docs(tmp_path, overlay, docs)])
    assert r.returncode == 0, r.stdout + r.stderr
    exe = dc.Executables(Path(kgrec_bin()).parent)
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    texts = {f"{kind}.yaml": yaml.safe_dump_all(ds) for kind, ds in by_kind.items()}
    # prod commits no token: the Secret is created out of band (Deploy/README.md, step 3).
    expected = [] if overlay == "dev" else [
        "StatefulSet.yaml StatefulSet kgrec-graph container graph: env KGREC_GRAPH_AUTH_TOKEN refers to missing secret key kgrec-auth/token"]
    assert dc.check_k8s(exe, texts) == expected


def workload(docs, name):
    return next(d for d in docs if d["metadata"]["name"] == name and d["kind"] in ("Deployment", "StatefulSet"))


def resources(docs, name):
    return workload(docs, name)["spec"]["template"]["spec"]["containers"][0]["resources"]


def test_dev_overlay_runs_one_small_pod_per_role_with_a_dev_token():
    docs = kustomize_render.render(K8S / "overlays" / "dev")
    assert [workload(docs, n)["spec"]["replicas"] for n in ("kgrec-encoder", "kgrec-graph", "kgrec-ranker")] == [1, 1, 1]
    assert {(d["spec"]["minReplicas"], d["spec"]["maxReplicas"]) for d in docs if d["kind"] == "HorizontalPodAutoscaler"} == {(1, 2)}
    assert resources(docs, "kgrec-ranker")["requests"] == {"cpu": "100m", "memory": "256Mi"}
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert secret["metadata"]["name"] == "kgrec-auth" and base64.b64decode(secret["data"]["token"]) == b"dev-only-token"
    assert all(d["metadata"].get("namespace") == "kgrec" for d in docs if d["kind"] != "Namespace")


def test_prod_overlay_scales_out_pins_the_image_and_commits_no_token():
    docs = kustomize_render.render(K8S / "overlays" / "prod")
    assert workload(docs, "kgrec-ranker")["spec"]["replicas"] == 4
    assert workload(docs, "kgrec-graph")["spec"]["replicas"] == 1  # one writer of the durable log
    hpas = {d["metadata"]["name"]: (d["spec"]["minReplicas"], d["spec"]["maxReplicas"]) for d in docs if d["kind"] == "HorizontalPodAutoscaler"}
    assert hpas == {"kgrec-encoder": (4, 20), "kgrec-ranker": (4, 16)}
    assert resources(docs, "kgrec-graph") == {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}}
    assert not [d for d in docs if d["kind"] == "Secret"]
    graph_env = workload(docs, "kgrec-graph")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert any(e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "kgrec-auth" for e in graph_env)
    images = {c["image"] for d in docs for c in kustomize_render._containers(d)}
    assert images == {"registry.example.com/kgrec:1.0.0"}


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonLabels: {a: b}\n")
    with pytest.raises(kustomize_render.KustomizeError, match="commonLabels"):
        kustomize_render.render(tmp_path)


def test_the_renderer_matches_kubectl_kustomize_where_kubectl_exists():
    import shutil
    if shutil.which("kubectl") is None:
        pytest.skip("no kubectl on this machine (not packaged by Debian): the renderer is checked by the tests above")
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    for overlay in ("dev", "prod"):
        out = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        theirs = sorted((d for d in yaml.safe_load_all(out.stdout) if d), key=key)
        assert sorted(kustomize_render.render(K8S / "overlays" / overlay), key=key) == theirs


def test_kubernetes_validate_rejects_a_misspelled_field(tmp_path):
    text = (K8S / "base" / "ranker.yaml").read_text().replace("terminationGracePeriodSeconds", "terminationGracePeriodSecond")
    bad = tmp_path / "ranker.yaml"
    bad.write_text(text)
    r = kubernetes_validate([bad])
    assert r.returncode != 0 and "terminationGracePeriodSecond" in r.stdout + r.stderr


def compose_config(path):
    return subprocess.run([tool(COMPOSE), "-f", str(path), "config", "--quiet"], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PATH": "/usr/bin:/bin", "KGREC_AUTH_TOKEN": "t"})


def test_docker_compose_config_accepts_the_compose_file():
    r = compose_config(ROOT / "docker-compose.yml")
    assert r.returncode == 0, r.stderr


def test_docker_compose_config_rejects_a_broken_copy(tmp_path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text((ROOT / "docker-compose.yml").read_text().replace("stop_grace_period: 15s", "stop_grace_perod: 15s"))
    r = compose_config(bad)
    assert r.returncode != 0 and "Unsupported config option for services.graph: 'stop_grace_perod'" in r.stderr


def hadolint(path):
    return subprocess.run([tool(DEPLOY_VENV / "hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_hadolint_passes_the_dockerfile():
    r = hadolint(ROOT / "Deploy" / "Dockerfile")
    assert r.returncode == 0, r.stdout + r.stderr


def test_hadolint_rejects_a_cd_and_a_shell_form_cmd(tmp_path):
    text = (ROOT / "Deploy" / "Dockerfile").read_text().replace('CMD ["kgrec-ranker"]', "CMD kgrec-ranker")
    text = text.replace('&& bin="$(swift build -c release --show-bin-path)" \\', '&& cd "$(swift build -c release --show-bin-path)" \\')
    bad = tmp_path / "Dockerfile"
    bad.write_text(text)
    out = hadolint(bad).stdout
    assert "DL3025" in out and "DL3003" in out
