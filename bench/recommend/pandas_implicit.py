#!/usr/bin/env python3
"""The reference side of bench/recommend: what `clv ingest orders` + `clv recommend evaluate` do, written the way a
pandas + implicit 0.7.3 user would, from the same raw Online Retail CSV, in one process.

Reads the raw file with pandas (dates parsed), keeps lines with a customer, nets quantities per customer and
product on each side of the split date (returns are negative lines), counts a product as bought when its net is
positive, fits the same models with the same settings as RecommendWorkflow.fit (ALS: 64 factors, regularisation
0.01, confidence 1 + 1 * bought, 15 iterations, CG; BPR: 64 factors, learning rate 0.05, regularisation 0.02, 100
iterations; item-kNN cosine, 20 neighbours; popularity), recommends the top k unseen products to every customer
with products on both sides and scores them with the same metric definitions as CLVRecommend's RankingMetrics.
Prints one JSON object: {"k": .., "models": {"als": {...}, ...}, "seconds": {...}}.

Usage: pandas_implicit.py RAW.csv [--split-date 2011-09-01] [--k 10] [--threads 2]
"""
import argparse
import json
import math
import time

started = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def metrics(lists, relevant, k, catalogue):
    precision = recall = ndcg = ap = 0.0
    recommended = set()
    for items, truth in zip(lists, relevant):
        top = list(items[:k])
        recommended.update(top)
        hits, dcg, average = 0, 0.0, 0.0
        for rank, item in enumerate(top):
            if item in truth:
                hits += 1
                dcg += 1 / math.log2(rank + 2)
                average += hits / (rank + 1)
        ideal = min(k, len(truth))
        precision += hits / k
        recall += hits / len(truth)
        ndcg += dcg / sum(1 / math.log2(r + 2) for r in range(ideal))
        ap += average / ideal
    n = max(1, len(lists))
    return dict(precision=precision / n, recall=recall / n, ndcg=ndcg / n, map=ap / n, coverage=len(recommended) / catalogue,
                customers=len(lists))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("--split-date", default="2011-09-01")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    seconds = {}

    raw = pd.read_csv(args.raw, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str}, parse_dates=["InvoiceDate"])
    lines = raw.dropna(subset=["CustomerID", "StockCode"])
    customers = {c: i for i, c in enumerate(pd.unique(lines["CustomerID"]))}
    products = {p: i for i, p in enumerate(pd.unique(lines["StockCode"]))}
    rows = lines["CustomerID"].map(customers).to_numpy()
    cols = lines["StockCode"].map(products).to_numpy()
    quantity = lines["Quantity"].to_numpy(np.float32)
    before = (lines["InvoiceDate"] < pd.Timestamp(args.split_date)).to_numpy()
    shape = (len(customers), len(products))

    def netted(mask):
        m = sp.csr_matrix((quantity[mask], (rows[mask], cols[mask])), shape=shape, dtype=np.float32)
        m.sum_duplicates()
        m.data = (m.data > 0).astype(np.float32)
        m.eliminate_zeros()
        return m

    train, test = netted(before), netted(~before)
    seconds["read"] = round(time.perf_counter() - started, 3)
    factors = max(2, min(64, min(shape) // 4))
    evaluated = [u for u in range(shape[0]) if train.indptr[u + 1] > train.indptr[u] and test.indptr[u + 1] > test.indptr[u]]
    truth = [set(test.indices[test.indptr[u]:test.indptr[u + 1]]) for u in evaluated]
    results = {}
    with threadpool_limits(1, "blas"):
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking
        from implicit.nearest_neighbours import CosineRecommender

        models = {
            "als": AlternatingLeastSquares(factors=factors, regularization=0.01, alpha=1.0, iterations=15, use_cg=True,
                                           num_threads=args.threads, random_state=42, calculate_training_loss=False),
            "bpr": BayesianPersonalizedRanking(factors=factors, learning_rate=0.05, regularization=0.02, iterations=100,
                                               num_threads=args.threads, random_state=42),
            "item-knn": CosineRecommender(K=20, num_threads=args.threads),
        }
        for name, model in models.items():
            t = time.perf_counter()
            # implicit's ALS takes the confidence itself: 1 + alpha * r with alpha 1, as CLVKit's.
            fit_on = train.copy()
            if name == "als":
                fit_on.data = 1 + fit_on.data
            model.fit(fit_on, show_progress=False)
            ids, _ = model.recommend(np.array(evaluated), train[evaluated], N=args.k, filter_already_liked_items=True)
            results[name] = metrics([list(r) for r in ids], truth, args.k, shape[1])
            seconds[name] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        popularity = np.asarray((train > 0).sum(axis=0)).ravel().astype(np.float64)
        order = np.argsort(-popularity, kind="stable")
        lists = []
        for u in evaluated:
            seen = set(train.indices[train.indptr[u]:train.indptr[u + 1]])
            lists.append([i for i in order[: args.k + len(seen)] if i not in seen][: args.k])
        results["popularity"] = metrics(lists, truth, args.k, shape[1])
        seconds["popularity"] = round(time.perf_counter() - t, 3)
    seconds["total"] = round(time.perf_counter() - started, 3)
    print(json.dumps(dict(k=args.k, models=results, seconds=seconds)))


if __name__ == "__main__":
    main()
