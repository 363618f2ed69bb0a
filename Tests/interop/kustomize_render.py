"""A small kustomize renderer for Deploy/k8s/overlays (no kubectl needed): exactly the features the
overlays use, and an error for any other, so a rendered overlay is what `kubectl apply -k` applies.

Supported kustomization keys: resources (files and directories), namespace, images (newName,
newTag), replicas, patches (a `path` of strategic-merge patches, including `$patch: delete`, or a
`target` with an inline JSON 6902 patch of add/replace ops), secretGenerator (literals, behavior
create/replace, with `disableNameSuffixHash: true`). Strategic merge: maps merge recursively, lists
of maps with a `name` merge by name, other values replace.
"""
import base64
import copy
from pathlib import Path

import yaml

KNOWN = {"apiVersion", "kind", "namespace", "resources", "images", "replicas", "patches", "secretGenerator"}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass"}


class KustomizeError(Exception):
    pass


def render(directory):
    """The resources `kubectl kustomize DIRECTORY` makes, as a list of dicts."""
    directory = Path(directory)
    k = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(k) - KNOWN
    if unknown:
        raise KustomizeError(f"{directory}/kustomization.yaml: unsupported keys {sorted(unknown)}")
    docs = []
    for entry in k.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    for gen in k.get("secretGenerator", []):
        docs = _generate_secret(docs, gen, directory)
    for p in k.get("patches", []):
        docs = _patch(docs, p, directory)
    if "namespace" in k:
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED:
                d["metadata"]["namespace"] = k["namespace"]
    for image in k.get("images", []):
        for d in docs:
            for c in _containers(d):
                if c["image"].split(":")[0].split("@")[0] == image["name"]:
                    c["image"] = f"{image.get('newName', image['name'])}:{image.get('newTag', 'latest')}"
    for r in k.get("replicas", []):
        matched = [d for d in docs if d["metadata"]["name"] == r["name"] and "replicas" in d.get("spec", {})]
        if not matched:
            raise KustomizeError(f"{directory}: replicas for unknown workload {r['name']}")
        for d in matched:
            d["spec"]["replicas"] = r["count"]
    return docs


def _containers(doc):
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) + spec.get("initContainers", [])


def _find(docs, kind, name):
    return [i for i, d in enumerate(docs) if d["kind"] == kind and d["metadata"]["name"] == name]


def _generate_secret(docs, gen, directory):
    if not gen.get("options", {}).get("disableNameSuffixHash"):
        raise KustomizeError(f"{directory}: secretGenerator {gen['name']} needs disableNameSuffixHash: true here")
    data = {}
    for literal in gen.get("literals", []):
        key, value = literal.split("=", 1)
        data[key] = base64.b64encode(value.encode()).decode()
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": gen["name"]}, "type": "Opaque", "data": data}
    existing = _find(docs, "Secret", gen["name"])
    behavior = gen.get("behavior", "create")
    if behavior == "replace":
        if not existing:
            raise KustomizeError(f"{directory}: secretGenerator replaces a missing Secret {gen['name']}")
        secret["metadata"] = copy.deepcopy(docs[existing[0]]["metadata"])
        docs[existing[0]] = secret
    elif behavior == "create":
        if existing:
            raise KustomizeError(f"{directory}: Secret {gen['name']} already exists")
        docs.append(secret)
    else:
        raise KustomizeError(f"{directory}: secretGenerator behavior {behavior!r} is not supported")
    return docs


def _patch(docs, p, directory):
    if "path" in p:
        for patch in (d for d in yaml.safe_load_all((directory / p["path"]).read_text()) if d):
            hits = _find(docs, patch["kind"], patch["metadata"]["name"])
            if not hits:
                raise KustomizeError(f"{directory}/{p['path']}: no {patch['kind']} {patch['metadata']['name']} to patch")
            if patch.get("$patch") == "delete":
                docs = [d for i, d in enumerate(docs) if i not in hits]
            else:
                for i in hits:
                    docs[i] = _merge(docs[i], patch)
        return docs
    target, ops = p["target"], yaml.safe_load(p["patch"])
    hits = [d for d in docs if d["kind"] == target["kind"] and target.get("name", d["metadata"]["name"]) == d["metadata"]["name"]]
    if not hits:
        raise KustomizeError(f"{directory}: patch target {target} matches nothing")
    for d in hits:
        for op in ops:
            if op["op"] not in ("add", "replace"):
                raise KustomizeError(f"{directory}: JSON patch op {op['op']!r} is not supported")
            *parents, leaf = op["path"].strip("/").split("/")
            node = d
            for key in parents:
                node = node[int(key)] if isinstance(node, list) else node[key]
            if op["op"] == "replace" and leaf not in node:
                raise KustomizeError(f"{directory}: replace of missing {op['path']} in {d['metadata']['name']}")
            node[leaf] = op["value"]
    return docs


def _merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(x, dict) and "name" in x for x in base + patch):
        out = [dict(x) for x in base]
        for item in patch:
            i = next((j for j, x in enumerate(out) if x["name"] == item["name"]), None)
            if i is None:
                out.append(item)
            else:
                out[i] = _merge(out[i], item)
        return out
    return patch
