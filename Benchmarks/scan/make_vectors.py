"""Item and query vectors for Benchmarks/scan.sh (float32 .npy, C order).

A seeded Gaussian mixture shaped like the ranker's table: N items of width W = 2·176
([visual | text]), each a cluster centre (one of C) plus noise; queries (users) are drawn the
same way from the same centres. Not a trained table: the point is a like-for-like comparison of
kernels and indexes on the very same vectors.
    python make_vectors.py OUT_DIR N [--queries Q] [--width W] [--clusters C] [--noise S] [--seed K]
"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("n", type=int)
p.add_argument("--queries", type=int, default=200)
p.add_argument("--width", type=int, default=352)
p.add_argument("--clusters", type=int, default=1000)
p.add_argument("--noise", type=float, default=0.6)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
centres = rng.standard_normal((a.clusters, a.width), dtype=np.float32)
os.makedirs(a.out, exist_ok=True)


def draw(n):
    out = np.empty((n, a.width), dtype=np.float32)
    for lo in range(0, n, 65536):
        hi = min(n, lo + 65536)
        z = rng.integers(0, a.clusters, hi - lo)
        out[lo:hi] = centres[z] + a.noise * rng.standard_normal((hi - lo, a.width), dtype=np.float32)
    return out


np.save(os.path.join(a.out, "items.npy"), draw(a.n))
np.save(os.path.join(a.out, "queries.npy"), draw(a.queries))
print(f"wrote {a.n} items and {a.queries} queries of width {a.width} to {a.out}")
