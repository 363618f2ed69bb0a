#!/usr/bin/env python3
"""Trains one RecBole 1.2.1 model on kgrec's split files and writes kgrec-style results.

Usage (inside /work/venvs/recbole, see Benchmarks/recbole.sh):
  recbole_run.py MODEL --split-dir runs/quality/seed-S --seed S --recipe defaults|kgrec --epochs E --out DIR

--split-dir holds ml-100k/ with ml-100k.{train,valid,test}.inter written by `kgrec split` (read with
RecBole's benchmark_filename, so RecBole trains and evaluates on exactly kgrec's pairs) beside
ml-100k.kg and ml-100k.link. Evaluation is RecBole's full sort (history masked) with Recall, MRR,
NDCG, Hit, Precision at 10/20/50; early stopping and the best checkpoint on validation NDCG@20,
as kgrec. Recipes:
  defaults  RecBole's own training defaults (lr 1e-3, batch 2048, uniform negatives, stopping_step 10,
            epochs capped at --epochs, default 300) and the model's own default hyper-parameters;
  kgrec     kgrec's recipe where RecBole supports it: lr 2e-3, batch 4096, stopping_step 20, epochs
            capped at --epochs, and RecBole's dynamic negative sampling with 4 candidates (the
            best-scored of 4 uniform candidates under the current model; kgrec scores them under the
            last evaluated embeddings).
Writes DIR/result.json (test and valid metrics at the best validation epoch, best_epoch, epochs_run,
mean_train_seconds_per_epoch) and DIR/metrics.jsonl (epoch, trainSeconds, valid) for
Benchmarks/quality_table.py.

Workarounds for RecBole 1.2.1 on Python 3.11 / torch 2.13 (documented in Benchmarks/README.md):
- for a dataset named "ml-100k" RecBole's Config replaces data_path by its bundled example folder,
  so data_path is set again after the Config is built;
- torch.load defaults to weights_only=True since torch 2.6; RecBole's own checkpoints hold its Config,
  so TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 is set before torch is imported;
- KGAT imports dgl (no wheel for torch 2.13 on PyPI) only to build the collaborative KG and take one
  sparse adjacency per relation: `dgl_shim` below provides exactly those calls with scipy;
- KGIN imports torch_scatter (no wheel on PyPI for this torch) only for scatter_mean: provided with
  torch's scatter_reduce; and it calls scipy's private dok_matrix._update, gone after SciPy 1.11:
  aliased to the public dok_matrix.update (same insert);
- `--check-shims` compares the dgl and scatter_mean stand-ins with references on the dataset.
"""
import argparse
import json
import os
import sys
import time
import types

os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import torch  # noqa: E402


def install_shims():
    """dgl and torch_scatter stand-ins covering only what RecBole 1.2.1's KGAT / KGIN call."""
    class Graph:
        def __init__(self, src, dst, num_nodes):
            self.src, self.dst, self.n = np.asarray(src), np.asarray(dst), num_nodes
            self.edata = {}

        def filter_edges(self, predicate):
            class Edges:
                pass
            e = Edges()
            e.data = self.edata
            return np.nonzero(np.asarray(predicate(e)))[0]

        def adjacency_matrix(self, transpose=False, scipy_fmt="coo"):
            rows, cols = (self.dst, self.src) if transpose else (self.src, self.dst)
            return sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.n, self.n))

    def graph(edges, num_nodes=None):
        src, dst = (np.asarray(x) for x in edges)
        n = num_nodes if num_nodes is not None else int(max(src.max(), dst.max())) + 1
        return Graph(src, dst, n)

    def edge_subgraph(g, edge_ids, preserve_nodes=True):
        sub = Graph(g.src[edge_ids], g.dst[edge_ids], g.n)
        sub.edata = {k: v[edge_ids] for k, v in g.edata.items()}
        return sub

    dgl = types.ModuleType("dgl")
    dgl.graph, dgl.edge_subgraph = graph, edge_subgraph
    sys.modules.setdefault("dgl", dgl)

    def scatter_mean(src, index, dim=0, dim_size=None):
        size = list(src.shape)
        size[dim] = dim_size if dim_size is not None else int(index.max()) + 1
        idx = index.view(-1, *([1] * (src.dim() - 1))).expand_as(src) if src.dim() > 1 else index
        out = torch.zeros(size, dtype=src.dtype, device=src.device)
        return out.scatter_reduce(dim, idx, src, reduce="mean", include_self=False)

    ts = types.ModuleType("torch_scatter")
    ts.scatter_mean = scatter_mean
    sys.modules.setdefault("torch_scatter", ts)
    # KGIN fills its adjacency with dok_matrix._update, SciPy's private bulk insert until 1.11; later
    # SciPy (1.17 here) has the same insert, with index checks, as the public dok_matrix.update.
    if not hasattr(sp.dok_matrix, "_update"):
        sp.dok_matrix._update = sp.dok_matrix.update
    # Legacy constructor RecBole's graph models call; kept only where torch still has it.
    if not hasattr(torch.sparse, "FloatTensor"):
        torch.sparse.FloatTensor = lambda i, v, s: torch.sparse_coo_tensor(i, v, s)


def check_shims(dataset):
    """The stand-ins against references that need neither dgl nor torch_scatter: KGAT's per-relation
    adjacency from the dgl shim against RecBole's own scipy form of the same collaborative KG
    (ckg_graph(form="coo")), and scatter_mean against a per-index loop. Raises on a mismatch."""
    import dgl
    from torch_scatter import scatter_mean
    g = dataset.ckg_graph(form="dgl", value_field="relation_id")
    ref = dataset.ckg_graph(form="coo", value_field="relation_id")
    n = ref.shape[0]
    for r in range(1, dataset.relation_num):
        ids = g.filter_edges(lambda edge: edge.data["relation_id"] == r)
        a = dgl.edge_subgraph(g, ids, preserve_nodes=True).adjacency_matrix(transpose=False, scipy_fmt="coo")
        a = sp.coo_matrix(a, shape=(max(n, a.shape[0]), max(n, a.shape[1]))).tocsr()
        keep = ref.data == r
        b = sp.coo_matrix((np.ones(int(keep.sum())), (ref.row[keep], ref.col[keep])), shape=a.shape).tocsr()
        if a.nnz == 0 or (a != b).nnz:
            raise SystemExit(f"dgl shim: relation {r}: {a.nnz} entries, RecBole's coo has {b.nnz}, "
                             f"{(a != b).nnz} differ")
    gen = torch.Generator().manual_seed(0)
    src, index = torch.randn(1000, 7, generator=gen), torch.randint(0, 50, (1000,), generator=gen)
    got = scatter_mean(src, index, dim=0, dim_size=60)
    want = torch.zeros(60, 7)
    for k in range(60):
        if (index == k).any():
            want[k] = src[index == k].mean(0)
    if not torch.allclose(got, want, atol=1e-6):
        raise SystemExit(f"scatter_mean shim: max error {float((got - want).abs().max())}")
    print(f"shims agree: dgl adjacency for {dataset.relation_num - 1} relations of the collaborative KG "
          f"({ref.nnz} edges) equals RecBole's coo form; scatter_mean equals a per-index mean")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--split-dir", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--recipe", choices=["defaults", "kgrec"], required=True)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--out", required=True)
    ap.add_argument("--check-shims", action="store_true",
                    help="compare the dgl / torch_scatter stand-ins with references on this dataset, then exit")
    a = ap.parse_args()
    install_shims()
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_seed

    cfg = {
        "data_path": os.path.abspath(a.split_dir), "benchmark_filename": ["train", "valid", "test"],
        "load_col": {"inter": ["user_id", "item_id"], "kg": ["head_id", "relation_id", "tail_id"],
                     "link": ["item_id", "entity_id"]},
        "use_gpu": False, "seed": a.seed, "reproducibility": True, "state": "WARNING", "show_progress": False,
        "checkpoint_dir": os.path.abspath(a.out), "epochs": a.epochs,
        "eval_args": {"group_by": "user", "order": "RO", "mode": "full"},
        "metrics": ["Recall", "MRR", "NDCG", "Hit", "Precision"], "topk": [10, 20, 50],
        "valid_metric": "NDCG@20",
    }
    if a.recipe == "kgrec":
        cfg.update({"learning_rate": 0.002, "train_batch_size": 4096, "stopping_step": 20,
                    "train_neg_sample_args": {"distribution": "uniform", "sample_num": 1, "alpha": 1.0,
                                              "dynamic": True, "candidate_num": 4}})
    os.makedirs(a.out, exist_ok=True)
    config = Config(model=a.model, dataset="ml-100k", config_dict=cfg)
    # RecBole points dataset "ml-100k" at its bundled example whatever data_path says.
    config["data_path"] = os.path.join(os.path.abspath(a.split_dir), "ml-100k")
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    if a.check_shims:  # on the training part, the graph KGAT builds
        check_shims(train_data._dataset)
        return
    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)

    records = []
    train_epoch, valid_epoch = trainer._train_epoch, trainer._valid_epoch

    def timed_train_epoch(*args, **kw):
        t = time.perf_counter()
        loss = train_epoch(*args, **kw)
        records.append({"epoch": len(records) + 1, "trainSeconds": time.perf_counter() - t})
        return loss

    def recorded_valid_epoch(*args, **kw):
        t = time.perf_counter()
        score, result = valid_epoch(*args, **kw)
        records[-1]["valid"] = {k.lower(): float(v) for k, v in result.items()}
        records[-1]["evalSeconds"] = time.perf_counter() - t
        return score, result

    trainer._train_epoch, trainer._valid_epoch = timed_train_epoch, recorded_valid_epoch
    start = time.perf_counter()
    trainer.fit(train_data, valid_data, saved=True, show_progress=False, verbose=False)
    test = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    seconds = time.perf_counter() - start
    evaluated = [r for r in records if "valid" in r]
    best = max(evaluated, key=lambda r: (r["valid"]["ndcg@20"], -r["epoch"]))
    with open(os.path.join(a.out, "metrics.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    result = {
        "model": f"recbole-{a.model}", "recipe": a.recipe, "seed": a.seed, "best_epoch": best["epoch"],
        "epochs_run": len(records), "seconds": seconds,
        "mean_train_seconds_per_epoch": sum(r["trainSeconds"] for r in records) / max(1, len(records)),
        "dataset": str(dataset).splitlines()[0], "train_pairs": len(train_data._dataset),
        "valid": best["valid"], "test": {k.lower(): float(v) for k, v in test.items()},
        "recbole": __import__("recbole").__version__, "torch": torch.__version__,
    }
    with open(os.path.join(a.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({"model": a.model, "recipe": a.recipe, "seed": a.seed, "best_epoch": best["epoch"],
                      "recall@20": result["test"]["recall@20"], "ndcg@20": result["test"]["ndcg@20"]}))


if __name__ == "__main__":
    main()
