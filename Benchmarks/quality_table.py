#!/usr/bin/env python3
"""Prints the multi-seed quality table of Benchmarks/quality.sh and Benchmarks/recbole.sh.

Reads OUT/seed-S/ROW/result.json (test and validation metrics at the best validation epoch,
best_epoch, epochs_run, mean_train_seconds_per_epoch) and OUT/seed-S/ROW/metrics.jsonl (one line
per epoch with trainSeconds and valid metrics) for every row and split seed, and prints markdown:
1. per row, mean ± sample std over the seeds of test Recall@20, NDCG@20, MRR@20, Hit@20, the best
   epoch, train seconds per epoch, and epochs / train seconds until VALIDATION NDCG@20 first reaches
   T_s (per seed, the lowest best validation NDCG@20 of the rows printed, so every row reaches it);
2. per row, the paired differences reference − row per seed on test NDCG@20 and Recall@20, their
   mean and sample std, and whether mean > 2 × std (the issue's bar).
Rows missing a seed are shown with the seeds they have and left out of the paired table.

--epochs E reads kgrec runs as if trained with --epochs E: training is deterministic and kgrec's
metrics.jsonl has validation metrics for every epoch and test metrics for every improving epoch, so
the best validation epoch among the first E (first strict maximum, as the trainer picks it) and its
test metrics are exactly those of the capped run. A run with fewer than E epochs that has not
stopped early is incomplete and left out. RecBole rows (no per-epoch test metrics) use result.json.
"""
import argparse
import json
import math
import os
import statistics


def mean_std(xs):
    if not xs:
        return float("nan"), float("nan")
    return statistics.fmean(xs), (statistics.stdev(xs) if len(xs) > 1 else float("nan"))


def fmt(xs, digits=4):
    m, s = mean_std(xs)
    if math.isnan(m):
        return "–"
    return f"{m:.{digits}f} ± {s:.{digits}f}" if not math.isnan(s) else f"{m:.{digits}f}"


def load(out, seed, row, cap):
    d = os.path.join(out, f"seed-{seed}", row)
    try:
        res = json.load(open(os.path.join(d, "result.json")))
    except (OSError, ValueError):
        res = None
    records = []
    try:
        for line in open(os.path.join(d, "metrics.jsonl")):
            records.append(json.loads(line))
    except (OSError, ValueError):
        pass
    if records and any("test" in r for r in records) and cap:  # a kgrec run: read it at the cap
        finished = res is not None and res["epochs_run"] <= cap
        if len(records) < cap and not finished:
            return None
        records = records[:cap]
        best = None
        for r in records:
            if r.get("valid") and (best is None or r["valid"]["ndcg@20"] > best["valid"]["ndcg@20"]):
                best = r
        spent = [r["trainSeconds"] for r in records]
        res = {"best_epoch": best["epoch"], "epochs_run": len(records), "valid": best["valid"],
               "test": best["test"], "mean_train_seconds_per_epoch": statistics.fmean(spent)}
    if res is None:
        return None
    epochs = [(r["epoch"], r.get("trainSeconds", float("nan")), r["valid"]["ndcg@20"]) for r in records if r.get("valid")]
    return res, epochs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", nargs="+", required=True)
    ap.add_argument("--rows", required=True, help="comma-separated row directory names")
    ap.add_argument("--reference", default="full")
    ap.add_argument("--epochs", type=int, default=0, help="read kgrec runs at this epoch cap (0: as run)")
    a = ap.parse_args()
    rows = [r for r in a.rows.split(",") if r]
    if a.reference not in rows:
        rows.insert(0, a.reference)
    data = {r: {s: load(a.out, s, r, a.epochs) for s in a.seeds} for r in rows}

    threshold = {}
    for s in a.seeds:
        bests = [d[s][0]["valid"]["ndcg@20"] for d in data.values() if d[s] and d[s][1]]
        threshold[s] = min(bests) if bests else None

    def reach(s, epochs):
        t, elapsed = threshold[s], 0.0
        for epoch, secs, nd in epochs:
            elapsed += secs
            if t is not None and nd >= t - 1e-12:
                return epoch, elapsed
        return None

    print(f"split seeds {' '.join(a.seeds)}; kgrec runs read at {a.epochs or 'their own'} epochs at most; T (lowest best validation NDCG@20 of these rows, per seed): "
          + ", ".join(f"{s}: {threshold[s]:.4f}" for s in a.seeds if threshold[s] is not None))
    print()
    print("| row | seeds | best / run epochs | Recall@20 | NDCG@20 | MRR@20 | Hit@20 | train s/epoch "
          "| epochs to val T | train s to val T |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        got = [(s, d) for s, d in data[r].items() if d]
        if not got:
            print(f"| {r} | 0 | | | | | | | | |")
            continue
        t = lambda k: [d[0]["test"][k] for _, d in got]
        best = [d[0]["best_epoch"] for _, d in got]
        run = [d[0]["epochs_run"] for _, d in got]
        spe = [d[0]["mean_train_seconds_per_epoch"] for _, d in got if d[0].get("mean_train_seconds_per_epoch")]
        reached = [reach(s, d[1]) for s, d in got if d[1]]
        ep = [x[0] for x in reached if x]
        secs = [x[1] for x in reached if x and not math.isnan(x[1])]
        print(f"| {r} | {len(got)} | {statistics.fmean(best):.0f} / {statistics.fmean(run):.0f} "
              f"| {fmt(t('recall@20'))} | {fmt(t('ndcg@20'))} | {fmt(t('mrr@20'))} | {fmt(t('hit@20'))} "
              f"| {fmt(spe, 2)} | {fmt(ep, 1) if len(ep) == len(reached) else '–'} "
              f"| {fmt(secs, 0) if secs and len(secs) == len(reached) else '–'} |")

    print()
    ref = data[a.reference]
    print(f"Paired differences {a.reference} − row per split seed (test; bar: mean > 2 × std of the differences)")
    print()
    print("| row | Δ NDCG@20 per seed | Δ NDCG@20 mean ± std | bar | Δ Recall@20 per seed | Δ Recall@20 mean ± std | bar |")
    print("|---|---|---:|:-:|---|---:|:-:|")
    for r in rows:
        if r == a.reference:
            continue
        seeds = [s for s in a.seeds if ref[s] and data[r][s]]
        if len(seeds) < 2:
            continue
        cells = []
        for k in ("ndcg@20", "recall@20"):
            diffs = [ref[s][0]["test"][k] - data[r][s][0]["test"][k] for s in seeds]
            m, sd = mean_std(diffs)
            cells += [" ".join(f"{x:+.4f}" for x in diffs), f"{m:+.4f} ± {sd:.4f}", "yes" if m > 2 * sd else "no"]
        print(f"| {r} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
