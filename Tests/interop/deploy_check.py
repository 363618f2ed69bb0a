"""Checks docker-compose.yml, Deploy/k8s/*.yaml and Deploy/Dockerfile against the real executables.

Every flag, env var and port the deployment files use is compared with what the binaries declare
(`kgrec-X --print-flags-json`, `kgrec call --help` / `--list`) and with Package.swift's products;
each check returns a list of human-readable problems (empty = fine), so a test can also prove
that a broken copy of a file is caught.
"""
import json
import re
import shlex
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"kgrec-encoder": "encoder", "kgrec-graph": "graph", "kgrec-ranker": "ranker"}
HEALTH_NAMES = {"encoder": "kgrec.v1.Encoder", "graph": "kgrec.v1.Graph", "ranker": "kgrec.v1.Ranker"}
IMAGE_ENV = {"KGREC_HEALTH_PORT"}  # read by the image's HEALTHCHECK, not by a service


class Executables:
    """What the built binaries accept."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.specs = {}
        for exe, role in SERVICES.items():
            out = subprocess.run([str(bin_dir / exe), "--print-flags-json"], capture_output=True, text=True, timeout=30)
            if out.returncode != 0:
                raise RuntimeError(f"{exe} --print-flags-json exited {out.returncode}: {out.stderr}")
            spec = json.loads(out.stdout)
            self.specs[role] = {
                "flags": {o["flag"] for o in spec["options"]},
                "envs": {o["env"]: o["name"] for o in spec["options"]},
                "defaults": {o["name"]: o["default"] for o in spec["options"]},
                "prefix": spec["env_prefix"],
            }
        kgrec = str(bin_dir / "kgrec")
        help_text = subprocess.run([kgrec, "call", "--help"], capture_output=True, text=True, timeout=30).stdout
        self.call_flags = set(re.findall(r"(--[a-z][a-z0-9-]*)", help_text)) | set(re.findall(r"(?<![\w-])(-[a-zA-Z])\b", help_text))
        listing = subprocess.run([kgrec, "call", "--list"], capture_output=True, text=True, timeout=30).stdout
        self.call_methods = {line.strip().split(":")[0].split(" ")[0] for line in listing.splitlines() if line.startswith("  ")}

    def port(self, role, name, args=(), env=None):
        """Effective int value of option `name` (`port`, `admin-port`): flag, then env, then default."""
        env = env or {}
        flag = f"--{name}"
        for i, a in enumerate(args):
            if a == flag and i + 1 < len(args):
                return int(args[i + 1])
            if a.startswith(flag + "="):
                return int(a.split("=", 1)[1])
        key = self.specs[role]["prefix"] + name.upper().replace("-", "_")
        if env.get(key) not in (None, ""):
            return int(env[key])
        return int(self.specs[role]["defaults"][name])


def products() -> set:
    text = (ROOT / "Package.swift").read_text()
    return set(re.findall(r'\.executable\(name:\s*"([^"]+)"', text))


def check_args(exe: Executables, role: str, args, where: str) -> list:
    problems = []
    flags = exe.specs[role]["flags"]
    for a in args:
        if a.startswith("--"):
            name = a.split("=", 1)[0]
            if name not in flags and name not in ("--help", "--print-flags-json"):
                problems.append(f"{where}: kgrec-{role} has no flag {name}")
    return problems


def check_env(exe: Executables, role: str, env: dict, where: str, any_role=False) -> list:
    problems = []
    known = {}
    for r, s in exe.specs.items():
        if any_role or r == role:
            known.update(s["envs"])
    for k in env:
        if k.startswith("KGREC_") and k not in known and k not in IMAGE_ENV:
            problems.append(f"{where}: env {k} is not an option of kgrec-{role if not any_role else '*'}")
    return problems


def check_kgrec_call(exe: Executables, argv, where: str, port: int, role: str) -> list:
    """A probe command `kgrec call HOST:PORT METHOD [flags]`."""
    problems = []
    if len(argv) < 4 or Path(argv[0]).name != "kgrec" or argv[1] != "call":
        return [f"{where}: health check is not a `kgrec call` command: {argv}"]
    positional, i = [], 2
    while i < len(argv):
        a = argv[i]
        if a.startswith("-"):
            name = a.split("=", 1)[0]
            if name not in exe.call_flags:
                problems.append(f"{where}: kgrec call has no flag {name}")
            if "=" not in a and name not in ("--require-serving", "--pretty", "--list"):
                if name in ("--field", "-f") and i + 1 < len(argv):
                    svc = argv[i + 1]
                    if svc.startswith("service=") and svc.split("=", 1)[1] not in ("", HEALTH_NAMES[role]):
                        problems.append(f"{where}: health service {svc.split('=', 1)[1]} is not {HEALTH_NAMES[role]}")
                i += 1
        else:
            positional.append(a)
        i += 1
    if len(positional) < 2:
        return problems + [f"{where}: expected HOST:PORT METHOD in {argv}"]
    target, method = positional[0], positional[1]
    if method not in exe.call_methods:
        problems.append(f"{where}: kgrec call does not know method {method}")
    tport = target.rsplit(":", 1)[-1]
    if "${" not in tport and int(tport) != port:
        problems.append(f"{where}: health check targets port {tport}, the service listens on {port}")
    return problems


# ---- docker-compose ------------------------------------------------------------------------------

def compose_env(svc: dict) -> dict:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {k: str(v) for k, v in env.items()}


def check_compose(exe: Executables, text: str) -> list:
    doc = yaml.safe_load(text)
    problems = []
    services = doc.get("services") or {}
    grpc_ports = {}
    for name, svc in services.items():
        where = f"docker-compose.yml services.{name}"
        command = svc.get("command") or []
        if isinstance(command, str):
            command = shlex.split(command)
        if not command or command[0] not in SERVICES:
            problems.append(f"{where}: command {command} does not start one of {sorted(SERVICES)}")
            continue
        role = SERVICES[command[0]]
        env = compose_env(svc)
        problems += check_args(exe, role, command[1:], where + ".command")
        problems += check_env(exe, role, env, where + ".environment")
        grpc = exe.port(role, "port", command[1:], env)
        admin = exe.port(role, "admin-port", command[1:], env)
        grpc_ports[name] = (role, grpc)
        if "KGREC_HEALTH_PORT" in env and int(env["KGREC_HEALTH_PORT"]) != grpc:
            problems.append(f"{where}: KGREC_HEALTH_PORT {env['KGREC_HEALTH_PORT']} is not the gRPC port {grpc}")
        for p in (svc.get("ports") or []) + (svc.get("expose") or []):
            container = int(str(p).split(":")[-1].split("/")[0])
            if container not in (grpc, admin):
                problems.append(f"{where}: port {p} maps {container}, which kgrec-{role} does not listen on ({grpc}, {admin})")
        test = (svc.get("healthcheck") or {}).get("test")
        if not test:
            problems.append(f"{where}: no healthcheck")
        else:
            argv = test[1:] if test[0] in ("CMD", "CMD-SHELL") else test
            if test[0] == "CMD-SHELL":
                argv = shlex.split(argv[0])
            problems += check_kgrec_call(exe, argv, where + ".healthcheck", grpc, role)
        for dep in (svc.get("depends_on") or {}):
            if dep not in services:
                problems.append(f"{where}: depends_on unknown service {dep}")
    # Addresses between services must name a service and its gRPC port.
    for name, svc in services.items():
        env = compose_env(svc)
        for key, want in (("KGREC_GRAPH_ENCODER", "encoder"), ("KGREC_RANKER_GRAPH", "graph")):
            for addr in filter(None, env.get(key, "").split(",")):
                host, port = addr.rsplit(":", 1)
                if host not in grpc_ports:
                    problems.append(f"docker-compose.yml services.{name}: {key} names unknown service {host}")
                elif grpc_ports[host] != (want, int(port)):
                    problems.append(f"docker-compose.yml services.{name}: {key} {addr} is not a {want} gRPC port "
                                    f"({host} is {grpc_ports[host][0]} on {grpc_ports[host][1]})")
    roles = {r for r, _ in grpc_ports.values()}
    if roles != {"encoder", "graph", "ranker"}:
        problems.append(f"docker-compose.yml: services cover {sorted(roles)}, not encoder, graph and ranker")
    return problems


# ---- Kubernetes ----------------------------------------------------------------------------------

def check_k8s(exe: Executables, texts: dict) -> list:
    """texts: file name -> YAML text (all manifests of Deploy/k8s/base)."""
    docs = []
    for fname, text in texts.items():
        for d in yaml.safe_load_all(text):
            if d:
                docs.append((fname, d))
    problems = []
    by_kind = {}
    for fname, d in docs:
        by_kind.setdefault(d["kind"], []).append((fname, d))
    configmaps = {d["metadata"]["name"]: d.get("data") or {} for _, d in by_kind.get("ConfigMap", [])}
    secrets = {d["metadata"]["name"]: set((d.get("stringData") or {}) | (d.get("data") or {})) for _, d in by_kind.get("Secret", [])}
    pvcs = {d["metadata"]["name"] for _, d in by_kind.get("PersistentVolumeClaim", [])}
    for name, data in configmaps.items():
        problems += check_env(exe, "", data, f"ConfigMap {name}", any_role=True)
    workloads = {}  # name -> (role, labels, {port name: number}, grpc port)
    for kind in ("Deployment", "StatefulSet"):
        for fname, d in by_kind.get(kind, []):
            wname = d["metadata"]["name"]
            spec = d["spec"]["template"]["spec"]
            labels = d["spec"]["template"]["metadata"]["labels"]
            claim_templates = {t["metadata"]["name"] for t in d["spec"].get("volumeClaimTemplates", [])}
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            for c in spec["containers"]:
                where = f"{fname} {kind} {wname} container {c['name']}"
                command = c.get("command") or []
                if not command or command[0] not in SERVICES:
                    problems.append(f"{where}: command {command} does not start one of {sorted(SERVICES)}")
                    continue
                role = SERVICES[command[0]]
                args = command[1:] + (c.get("args") or [])
                problems += check_args(exe, role, args, where + " args")
                env = {}
                for src in c.get("envFrom") or []:
                    ref = (src.get("configMapRef") or {}).get("name")
                    if ref is not None and ref not in configmaps:
                        problems.append(f"{where}: envFrom unknown ConfigMap {ref}")
                    env.update(configmaps.get(ref, {}))
                own = {}
                for e in c.get("env") or []:
                    own[e["name"]] = str(e.get("value", ""))
                    sk = ((e.get("valueFrom") or {}).get("secretKeyRef")) or None
                    if sk and sk.get("key") not in secrets.get(sk.get("name"), set()):
                        problems.append(f"{where}: env {e['name']} refers to missing secret key {sk.get('name')}/{sk.get('key')}")
                problems += check_env(exe, role, own, where + " env")
                env.update(own)
                grpc = exe.port(role, "port", args, env)
                admin = exe.port(role, "admin-port", args, env)
                ports = {p.get("name", str(p["containerPort"])): p["containerPort"] for p in c.get("ports", [])}
                if grpc not in ports.values():
                    problems.append(f"{where}: gRPC port {grpc} is not a containerPort {sorted(ports.values())}")
                for p in ports.values():
                    if p not in (grpc, admin):
                        problems.append(f"{where}: containerPort {p} is neither the gRPC ({grpc}) nor the admin port ({admin})")
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    pr = c.get(probe)
                    if pr is None:
                        if probe != "startupProbe":
                            problems.append(f"{where}: no {probe}")
                        continue
                    if "grpc" not in pr:
                        problems.append(f"{where}: {probe} is not a native gRPC probe")
                        continue
                    if pr["grpc"]["port"] != grpc:
                        problems.append(f"{where}: {probe} probes port {pr['grpc']['port']}, gRPC listens on {grpc}")
                    if pr["grpc"].get("service", "") not in ("", HEALTH_NAMES[role]):
                        problems.append(f"{where}: {probe} asks for health of {pr['grpc']['service']}")
                res = c.get("resources") or {}
                if not res.get("requests") or not res.get("limits"):
                    problems.append(f"{where}: resources need requests and limits")
                mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
                for m in mounts.values():
                    if m["name"] not in volumes and m["name"] not in claim_templates:
                        problems.append(f"{where}: volumeMount {m['name']} has no volume")
                    v = volumes.get(m["name"])
                    if v and "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in pvcs:
                        problems.append(f"{where}: volume {m['name']} claims unknown PVC {v['persistentVolumeClaim']['claimName']}")
                if role == "graph":
                    log = env.get("KGREC_GRAPH_LOG") or exe.specs["graph"]["defaults"].get("log") or ""
                    writable = [p for p, m in mounts.items() if not m.get("readOnly") and m["name"] in claim_templates]
                    if not any(log.startswith(p.rstrip("/") + "/") for p in writable):
                        problems.append(f"{where}: durable log {log} is not on a persistent volume claim template")
                workloads[wname] = (role, labels, ports, grpc, kind)
    services = {}
    for fname, d in by_kind.get("Service", []):
        sname = d["metadata"]["name"]
        sel = d["spec"].get("selector") or {}
        targets = [w for w in workloads.values() if all(w[1].get(k) == v for k, v in sel.items())]
        if not targets:
            problems.append(f"{fname} Service {sname}: selector {sel} matches no workload")
            continue
        for p in d["spec"]["ports"]:
            tp = p.get("targetPort", p["port"])
            if (tp not in targets[0][2]) and (tp not in targets[0][2].values()):
                problems.append(f"{fname} Service {sname}: targetPort {tp} is not a container port of {targets[0][0]}")
            port_num = targets[0][2].get(tp, tp)
            if port_num == targets[0][3]:
                services[sname] = (targets[0][0], p["port"])
    for name, data in configmaps.items():
        for key, want in (("KGREC_GRAPH_ENCODER", "encoder"), ("KGREC_RANKER_GRAPH", "graph")):
            for addr in filter(None, str(data.get(key, "")).split(",")):
                host, port = addr.rsplit(":", 1)
                if services.get(host) != (want, int(port)):
                    problems.append(f"ConfigMap {name}: {key} {addr} is not the gRPC port of a {want} Service")
    hpa_targets = set()
    for fname, d in by_kind.get("HorizontalPodAutoscaler", []):
        ref = d["spec"]["scaleTargetRef"]
        w = workloads.get(ref["name"])
        if w is None or w[4] != ref["kind"]:
            problems.append(f"{fname} HPA {d['metadata']['name']}: target {ref['kind']}/{ref['name']} does not exist")
        else:
            hpa_targets.add(w[0])
    for role in ("encoder", "ranker"):
        if role not in hpa_targets:
            problems.append(f"Deploy/k8s: no HorizontalPodAutoscaler for the {role}")
    graph_kinds = {w[4] for w in workloads.values() if w[0] == "graph"}
    if graph_kinds != {"StatefulSet"}:
        problems.append(f"Deploy/k8s: the graph must be a StatefulSet (found {sorted(graph_kinds)})")
    return problems


# ---- Dockerfile ----------------------------------------------------------------------------------

def check_dockerfile(exe: Executables, text: str) -> list:
    problems = []
    known = products()
    lines = re.sub(r"\\\n", " ", text).splitlines()
    built = set(re.findall(r"--product\s+(\S+)", text))
    for p in built - known:
        problems.append(f"Dockerfile: builds --product {p}, which Package.swift does not declare")
    copied = set()
    for line in lines:
        if line.startswith("COPY --from=build"):
            parts = line.split()[2:-1]
            copied |= {Path(p).name for p in parts}
    for b in sorted(copied):
        if b not in known:
            problems.append(f"Dockerfile: copies binary {b}, which Package.swift does not build")
        elif b not in built:
            problems.append(f"Dockerfile: copies {b} but never builds --product {b}")
    for need in list(SERVICES) + ["kgrec"]:
        if need not in copied:
            problems.append(f"Dockerfile: runtime image lacks {need}")
    # SwiftPM checks every target's path, so the build stage needs them all.
    sources = [l.split()[1] for l in lines if l.startswith("COPY ") and "--from" not in l]
    for path in re.findall(r'path:\s*"([^"]+)"', (ROOT / "Package.swift").read_text()):
        if not any(path == s.rstrip("/") or path.startswith(s.rstrip("/") + "/") for s in sources):
            problems.append(f"Dockerfile: the build stage does not COPY {path}, a target path of Package.swift")
    froms = [l.split()[1] for l in lines if l.startswith("FROM ")]
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    resolved = [re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), f) for f in froms]
    if len(resolved) < 2 or not resolved[0].startswith("swift:6") or "slim" not in resolved[-1]:
        problems.append(f"Dockerfile: expected a swift:6.x build stage and a slim runtime stage, got {resolved}")
    for pkg in ("libnghttp2-dev", "libprotobuf-c-dev", "libnghttp2-14", "libprotobuf-c1"):
        if pkg not in text:
            problems.append(f"Dockerfile: does not install {pkg}")
    users = [l.split()[1] for l in lines if l.startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("Dockerfile: the runtime stage must run as a non-root USER")
    exposed = {int(p) for l in lines if l.startswith("EXPOSE ") for p in l.split()[1:]}
    for role in exe.specs:
        for opt in ("port", "admin-port"):
            p = exe.port(role, opt)
            if p not in exposed:
                problems.append(f"Dockerfile: does not EXPOSE kgrec-{role}'s default {opt} {p}")
    health = [l for l in lines if l.startswith("HEALTHCHECK ")]
    if not health:
        problems.append("Dockerfile: no HEALTHCHECK")
    else:
        cmd = health[0].split(" CMD ", 1)[1].strip()
        if cmd.startswith("["):  # exec form; `sh -c "…"` runs its script
            argv = json.loads(cmd)
            cmd = argv[2] if argv[:2] == ["sh", "-c"] and len(argv) == 3 else shlex.join(argv)
        env = dict(re.findall(r"^ENV (\w+)=(\S+)", text, re.M))
        cmd = re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), "0"), cmd)
        argv = shlex.split(cmd)
        if argv[:1] == ["exec"]:
            argv = argv[1:]
        problems += check_kgrec_call(exe, argv, "Dockerfile HEALTHCHECK", exe.port("ranker", "port"), "ranker")
    return problems


def k8s_texts(root: Path = ROOT) -> dict:
    return {p.name: p.read_text() for p in sorted((root / "Deploy" / "k8s" / "base").glob("*.yaml")) if p.name != "kustomization.yaml"}
