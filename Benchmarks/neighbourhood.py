# Neighbourhood sizes of one BPR batch (4,096 pairs, seed 1) on a RecBole-format KG made by
# `kgrec synth`: the node sets and edge counts a 3-layer model needs with the exact 1 hop of
# history mode, the exact 3 hops of whole-neighbourhood propagation, and GraphSAGE-style uniform
# sampling with fan-outs 10/5/3 per layer (all interactions, not only the training split).
# Usage: .venv/bin/python Benchmarks/neighbourhood.py runs/bench-train/synth100000
import sys, random
import numpy as np
d = sys.argv[1]; name = d.rstrip('/').split('/')[-1]
inter = [l.split('\t') for l in open(f"{d}/{name}.inter").read().splitlines()[1:]]
link = dict(l.split('\t') for l in open(f"{d}/{name}.link").read().splitlines()[1:])
kg = [l.split('\t') for l in open(f"{d}/{name}.kg").read().splitlines()[1:]]
ids = {}
def nid(t):
    if t not in ids: ids[t] = len(ids)
    return ids[t]
edges = []
for u, i in inter: a, b = nid('u'+u), nid(link.get(i, i)); edges += [(a, b), (b, a)]
for h, r, t in kg: a, b = nid(h), nid(t); edges += [(a, b), (b, a)]
e = np.array(edges, dtype=np.int64); n = len(ids)
order = np.argsort(e[:, 0], kind='stable'); tails = e[order, 1]
off = np.zeros(n + 1, dtype=np.int64); np.add.at(off, e[:, 0] + 1, 1); off = np.cumsum(off)
rng = random.Random(1)
pairs = [inter[rng.randrange(len(inter))] for _ in range(4096)]
T = {nid('u'+u) for u, _ in pairs} | {nid(link.get(i, i)) for _, i in pairs} | {nid(link.get(inter[rng.randrange(len(inter))][1], 'x')) for _ in range(4096)}
def expand(S, fan):
    out = set(S); edges = 0
    for s in S:
        nb = tails[off[s]:off[s+1]]
        if fan is None or len(nb) <= fan: pick = nb
        else: pick = [nb[rng.randrange(len(nb))] for _ in range(fan)]
        edges += len(pick); out.update(int(x) for x in pick)
    return out, edges
print(f"{name}: N={n} E={len(edges)} |T|={len(T)}")
for fans in [(None,), (None, None, None), (10, 10, 10), (5, 5, 5), (3, 3, 3)]:
    S, tot, sizes = T, 0, [len(T)]
    for f in fans: S, k = expand(S, f); tot += k; sizes.append(len(S))
    print(f"  fan-outs {fans}: node sets {sizes}, edges {tot}")
