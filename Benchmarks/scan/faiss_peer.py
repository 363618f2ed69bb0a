"""faiss-cpu on the very same items/queries as `kgrec bench-scan` (Benchmarks/scan.sh): exact
IndexFlatIP, IndexIVFFlat and IndexIVFPQ at several nprobe, IndexHNSWFlat at several efSearch.
Latency is per single query (as a Recommend is), p50/p99 over every query; QPS c=4 runs four
Python threads (faiss releases the GIL, one OpenMP thread per search); recall@k vs IndexFlatIP.
    python faiss_peer.py items.npy queries.npy [--k 10] [--lists L] [--hnsw-m 16]
"""
import argparse
import threading
import time

import faiss
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("items")
p.add_argument("queries")
p.add_argument("--k", type=int, default=10)
p.add_argument("--lists", type=int, default=0)
p.add_argument("--nprobe", default="4,8,16,32,64")
p.add_argument("--ef", default="16,32,64,128")
p.add_argument("--hnsw-m", type=int, default=16)
p.add_argument("--hnsw-ef-construction", type=int, default=40)
a = p.parse_args()
xb = np.load(a.items, mmap_mode="r")
xq = np.ascontiguousarray(np.load(a.queries))
n, d = xb.shape
xb = np.ascontiguousarray(xb)
k = a.k
lists = a.lists
if lists == 0:  # the ranker's automatic choice (RankerOptions.ANN.lists)
    lists = 16
    while lists < 4096 and lists * lists * 2 <= n:
        lists *= 2
threads = faiss.omp_get_max_threads()
print(f"faiss {faiss.__version__}: items {n} x {d}, {len(xq)} queries, k = {k}, {threads} OpenMP threads")


def measure(index, truth):
    faiss.omp_set_num_threads(threads)
    lat = []
    found = []
    for q in xq:
        t = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        lat.append(time.perf_counter() - t)
        found.append(ids[0])
    lat = np.sort(np.array(lat))
    recall = 1.0 if truth is None else np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth)])
    # concurrency 4: four threads, one OpenMP thread per search
    faiss.omp_set_num_threads(1)
    def worker():
        for q in xq:
            index.search(q[None, :], k)
    ts = [threading.Thread(target=worker) for _ in range(4)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    qps4 = 4 * len(xq) / (time.perf_counter() - t0)
    faiss.omp_set_num_threads(threads)
    return lat, recall, qps4, np.array(found)


rows = []
flat = faiss.IndexFlatIP(d)
flat.add(xb)
lat, _, qps4, truth = measure(flat, None)
rows.append(("faiss IndexFlatIP", lat, 1.0, qps4, "exact"))
np.savetxt("faiss_flat_top.txt", truth, fmt="%d")

for name, make in [
    ("IVFFlat", lambda q: faiss.IndexIVFFlat(q, d, lists, faiss.METRIC_INNER_PRODUCT)),
    ("IVFPQ", lambda q: faiss.IndexIVFPQ(q, d, lists, d // 8 if d % 8 == 0 else 16, 8, faiss.METRIC_INNER_PRODUCT)),
]:
    quant = faiss.IndexFlatIP(d)
    index = make(quant)
    t0 = time.perf_counter()
    rng = np.random.default_rng(1)
    train = xb[rng.choice(n, min(n, 40 * lists), replace=False)]
    index.train(train)
    index.add(xb)
    build = time.perf_counter() - t0
    for nprobe in [int(x) for x in a.nprobe.split(",")]:
        if nprobe > lists: continue
        index.nprobe = nprobe
        lat, rec, qps4, _ = measure(index, truth)
        rows.append((f"faiss {name} nprobe={nprobe}", lat, rec, qps4, f"lists {lists}, build {build:.1f} s"))
    del index

index = faiss.IndexHNSWFlat(d, a.hnsw_m, faiss.METRIC_INNER_PRODUCT)
index.hnsw.efConstruction = a.hnsw_ef_construction
t0 = time.perf_counter()
index.add(xb)
build = time.perf_counter() - t0
for ef in [int(x) for x in a.ef.split(",")]:
    index.hnsw.efSearch = ef
    lat, rec, qps4, _ = measure(index, truth)
    rows.append((f"faiss HNSWFlat M={a.hnsw_m} ef={ef}", lat, rec, qps4, f"build {build:.1f} s"))

print(f"| mode | p50 ms | p99 ms | QPS c=1 | QPS c=4 | recall@{k} | note |")
print("|---|---|---|---|---|---|---|")
for name, lat, rec, qps4, note in rows:
    p50 = 1e3 * lat[len(lat) // 2]
    p99 = 1e3 * lat[min(len(lat) - 1, len(lat) * 99 // 100)]
    print(f"| {name} | {p50:.3f} | {p99:.3f} | {1 / lat.mean():.0f} | {qps4:.0f} | {rec:.4f} | {note} |")
