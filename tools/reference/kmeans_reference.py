"""Reference outputs of scikit-learn's KMeans, StandardScaler and silhouette_score for CLVInsight's k-means tests.

Writes Tests/CLVInsightTests/Resources/kmeans-reference.json: a 300 x 5 matrix from a seeded numpy generator
(four anisotropic Gaussian blobs of unequal size and spread plus a heavy-tailed column, so that k-means has local
optima), scikit-learn's StandardScaler means and scales of it, and for k = 2..6 on the standardised matrix:
KMeans(n_clusters=k, n_init=10, random_state=0) inertia, iterations and labels, and silhouette_score of those labels.
Run from the repository root in a venv with scikit-learn and numpy (`pip install scikit-learn numpy`):
    .cache/venv-sk/bin/python tools/reference/kmeans_reference.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rng = np.random.default_rng(20240611)

sizes = [120, 80, 60, 40]
centres = np.array([[0, 0, 0, 0], [4, 1, -2, 3], [-3, 4, 1, -1], [1, -4, 4, 2]], dtype=float)
spreads = [1.0, 1.6, 0.7, 2.2]
rows = []
for size, centre, spread in zip(sizes, centres, spreads):
    mixing = rng.normal(size=(4, 4)) * 0.4 + np.eye(4)
    rows.append(centre + spread * rng.normal(size=(size, 4)) @ mixing)
x4 = np.vstack(rows)
# A fifth column in other units (money-like, heavy-tailed), so standardisation matters.
spend = np.exp(rng.normal(3.0, 1.0, size=(x4.shape[0], 1))) * 10
raw = np.hstack([x4, spend])
raw = raw[rng.permutation(raw.shape[0])]

scaler = StandardScaler().fit(raw)
z = scaler.transform(raw)

out = {
    "source": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; tools/reference/kmeans_reference.py",
    "rows": int(raw.shape[0]),
    "columns": int(raw.shape[1]),
    "raw": [float(v) for v in raw.ravel()],
    "means": [float(v) for v in scaler.mean_],
    "scales": [float(v) for v in scaler.scale_],
    "fits": [],
}
for k in range(2, 7):
    km = KMeans(n_clusters=k, n_init=10, random_state=0, tol=1e-4, max_iter=300, algorithm="lloyd").fit(z)
    out["fits"].append(
        {
            "k": k,
            "inertia": float(km.inertia_),
            "iterations": int(km.n_iter_),
            "labels": [int(v) for v in km.labels_],
            "silhouette": float(silhouette_score(z, km.labels_)),
        }
    )
path = os.path.join(root, "Tests", "CLVInsightTests", "Resources", "kmeans-reference.json")
with open(path, "w") as f:
    json.dump(out, f)
    f.write("\n")
print(path, [(fit["k"], round(fit["inertia"], 4), round(fit["silhouette"], 4)) for fit in out["fits"]])
