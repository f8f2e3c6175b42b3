#!/usr/bin/env python3
"""The reference side of bench/als: fit one `implicit` 0.7.3 model on the same CSV clv-recommend-bench reads,
and print the same JSON line (fit time, top-k metrics with the same definitions as CLVRecommend's
RankingMetrics). Confidence: implicit's ALS uses C = alpha * r, CLVKit's 1 + alpha * r (Hu et al. 2008), so
this side is given the matrix 1 + alpha * r with implicit's alpha = 1: the same model.

Usage: implicit_run.py --input TRAIN.csv [--test TEST.csv] --model als|bpr|knn-cosine|knn-bm25|knn-tfidf
       [--factors 64] [--regularization 0.01] [--alpha 1] [--iterations 15] [--threads 2] [--learning-rate 0.01]
       [--neighbours 20] [--k 10] [--seed 42]
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
    users = 0
    recommended = set()
    for items, truth in zip(lists, relevant):
        if not truth:
            continue
        users += 1
        top = list(items[:k])
        recommended.update(top)
        hits, dcg, average = 0, 0.0, 0.0
        for rank, item in enumerate(top):
            if item in truth:
                hits += 1
                dcg += 1 / math.log2(rank + 2)
                average += hits / (rank + 1)
        ideal = min(k, len(truth))
        idcg = sum(1 / math.log2(r + 2) for r in range(ideal))
        precision += hits / k
        recall += hits / len(truth)
        ndcg += dcg / idcg
        ap += average / ideal
    n = max(1, users)
    return dict(precision=precision / n, recall=recall / n, ndcg=ndcg / n, map=ap / n, coverage=len(recommended) / catalogue, evaluated_users=users)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--test")
    parser.add_argument("--model", default="als")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--neighbours", type=int, default=20)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    train = pd.read_csv(args.input, dtype={"user": str, "item": str, "count": np.float32})
    users = {u: i for i, u in enumerate(pd.unique(train["user"]))}
    items = {t: i for i, t in enumerate(pd.unique(train["item"]))}
    rows = train["user"].map(users).to_numpy()
    cols = train["item"].map(items).to_numpy()
    counts = train["count"].to_numpy(np.float32)
    matrix = sp.csr_matrix((counts, (rows, cols)), shape=(len(users), len(items)), dtype=np.float32)
    matrix.sum_duplicates()
    read = time.perf_counter()

    iterations = 0
    with threadpool_limits(1, "blas"):
        if args.model == "als":
            from implicit.cpu.als import AlternatingLeastSquares

            model = AlternatingLeastSquares(
                factors=args.factors, regularization=args.regularization, alpha=1.0, iterations=args.iterations,
                use_cg=True, num_threads=args.threads, random_state=args.seed, calculate_training_loss=False,
            )
            confidence = matrix.copy()
            confidence.data = 1 + args.alpha * confidence.data
            model.fit(confidence, show_progress=False)
            iterations = args.iterations
        elif args.model == "bpr":
            from implicit.cpu.bpr import BayesianPersonalizedRanking

            model = BayesianPersonalizedRanking(
                factors=args.factors, learning_rate=args.learning_rate, regularization=args.regularization,
                iterations=args.iterations, num_threads=args.threads, random_state=args.seed,
            )
            model.fit(matrix, show_progress=False)
            iterations = args.iterations
        elif args.model.startswith("knn-"):
            from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender

            kind = {"knn-cosine": CosineRecommender, "knn-bm25": BM25Recommender, "knn-tfidf": TFIDFRecommender}[args.model]
            model = kind(K=args.neighbours, num_threads=args.threads)
            model.fit(matrix, show_progress=False)
        else:
            raise SystemExit(f"unknown model {args.model}")
    fitted = time.perf_counter()

    result = dict(model=args.model, users=matrix.shape[0], items=matrix.shape[1], train_nnz=int(matrix.nnz),
                  read_seconds=round(read - started, 4), fit_seconds=round(fitted - read, 4))
    if iterations:
        result["seconds_per_iteration"] = round((fitted - read) / iterations, 5)
    if args.test:
        test = pd.read_csv(args.test, dtype={"user": str, "item": str, "count": np.float32})
        test = test[test["user"].isin(users) & test["item"].isin(items)]
        truth = {}
        for u, t in zip(test["user"].map(users), test["item"].map(items)):
            truth.setdefault(u, set()).add(t)
        evaluated = [u for u in sorted(truth) if matrix.indptr[u + 1] > matrix.indptr[u]]
        ids, _ = model.recommend(np.array(evaluated), matrix[evaluated], N=args.k, filter_already_liked_items=True)
        result.update(metrics([list(r) for r in ids], [truth[u] for u in evaluated], args.k, matrix.shape[1]))
        result["evaluate_seconds"] = round(time.perf_counter() - fitted, 4)
    result["k"] = args.k
    print(json.dumps(result))


if __name__ == "__main__":
    main()
