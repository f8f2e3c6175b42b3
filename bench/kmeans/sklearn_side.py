"""scikit-learn's side of bench/kmeans: KMeans(n_clusters=K, n_init=N, tol=TOL, random_state=0, algorithm="lloyd")
on a CSV read with pandas' C reader (float64), as a user would; the fit is also timed inside the process (run.sh
times the whole process).
Prints JSON {fit_seconds, inertia, iterations, sklearn, threads}.
Usage: python sklearn_side.py FILE.csv K N_INIT TOL
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info

path, k, n_init, tol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
x = pd.read_csv(path, dtype=np.float64).to_numpy()
start = time.perf_counter()
km = KMeans(n_clusters=k, n_init=n_init, tol=tol, max_iter=300, random_state=0, algorithm="lloyd").fit(x)
seconds = time.perf_counter() - start
threads = {p.get("internal_api"): p.get("num_threads") for p in threadpool_info()}
print(json.dumps({"fit_seconds": seconds, "inertia": float(km.inertia_), "iterations": int(km.n_iter_), "sklearn": sklearn.__version__, "threads": threads}))
